package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// UnitLabel is a label this bench printed, as the store keeps it.
type UnitLabel struct {
	UnitID    string
	EventKey  string // the receipt's or the quarantine's
	TradeInID string // empty for a quarantined device
	Doc       []byte // the label's content as last printed, JSON
	At        time.Time
}

// SaveUnitLabel records (again) the label printed for a unit: a reprint
// replaces what the label said.
func (s *Store) SaveUnitLabel(ctx context.Context, l UnitLabel) error {
	if l.UnitID == "" || l.EventKey == "" || !json.Valid(l.Doc) {
		return fmt.Errorf("unit label %q: needs its id, its event key and its content", l.UnitID)
	}
	var tradeIn any
	if l.TradeInID != "" {
		tradeIn = l.TradeInID
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO unit_labels (unit_id, event_key, tradein_id, doc, labelled_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (unit_id) DO UPDATE SET doc = excluded.doc, labelled_at = excluded.labelled_at`,
			l.UnitID, l.EventKey, tradeIn, string(l.Doc), dbtime.Format(l.At))
		if err != nil {
			return fmt.Errorf("save label %s: %w", l.UnitID, err)
		}
		return nil
	})
}

// UnitLabelByID returns the label printed with unitID, or an error that is
// intake.ErrNotFound.
func (s *Store) UnitLabelByID(ctx context.Context, unitID string) (UnitLabel, error) {
	return s.unitLabel(ctx, `unit_id = ?`, unitID)
}

// UnitLabelOf returns the label printed for a trade-in's unit, or an error
// that is intake.ErrNotFound.
func (s *Store) UnitLabelOf(ctx context.Context, tradeInID string) (UnitLabel, error) {
	return s.unitLabel(ctx, `tradein_id = ?`, tradeInID)
}

func (s *Store) unitLabel(ctx context.Context, where, arg string) (UnitLabel, error) {
	var l UnitLabel
	var tradeIn sql.NullString
	var doc, at string
	err := s.read.QueryRowContext(ctx, `SELECT unit_id, event_key, tradein_id, doc, labelled_at FROM unit_labels WHERE `+where, arg).
		Scan(&l.UnitID, &l.EventKey, &tradeIn, &doc, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return UnitLabel{}, fmt.Errorf("label %s: %w", arg, intake.ErrNotFound)
	}
	if err != nil {
		return UnitLabel{}, fmt.Errorf("read label %s: %w", arg, err)
	}
	l.TradeInID, l.Doc = tradeIn.String, []byte(doc)
	if l.At, err = dbtime.Parse(at); err != nil {
		return UnitLabel{}, fmt.Errorf("read label %s: %w", arg, err)
	}
	return l, nil
}

// UnitFacts is what a unit's label is made of: its trade-in, this bench's
// receipt, its latest grading (nil before grading) and where it stands.
type UnitFacts struct {
	TradeIn intake.TradeIn
	Receipt intake.Receipt
	Grading *intake.Grading
	State   intake.UnitState
}

// UnitFacts returns the facts of the unit this bench received for a
// trade-in, or an error that is intake.ErrNotFound.
func (s *Store) UnitFacts(ctx context.Context, tradeInID string) (UnitFacts, error) {
	var f UnitFacts
	r, ok, err := s.LocalReceipt(ctx, tradeInID)
	if err != nil {
		return UnitFacts{}, err
	}
	if !ok {
		return UnitFacts{}, fmt.Errorf("unit of %s: %w", tradeInID, intake.ErrNotFound)
	}
	f.Receipt = r
	if f.TradeIn, err = s.TradeIn(ctx, tradeInID); err != nil {
		return UnitFacts{}, err
	}
	if f.State, err = s.UnitState(ctx, tradeInID); err != nil {
		return UnitFacts{}, err
	}
	var grade, decision []byte
	var g intake.Grading
	var at string
	err = s.read.QueryRowContext(ctx, `SELECT operator, bench, at, grade, decision, event_key FROM gradings
		WHERE tradein_id = ? ORDER BY id DESC LIMIT 1`, tradeInID).Scan(&g.Operator, &g.Bench, &at, &grade, &decision, &g.EventKey)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return f, nil
	case err != nil:
		return UnitFacts{}, fmt.Errorf("read grading of %s: %w", tradeInID, err)
	}
	if err := errors.Join(json.Unmarshal(grade, &g.Grade), json.Unmarshal(decision, &g.Decision)); err != nil {
		return UnitFacts{}, fmt.Errorf("decode grading of %s: %w", tradeInID, err)
	}
	if g.At, err = dbtime.Parse(at); err != nil {
		return UnitFacts{}, err
	}
	g.TradeInID = tradeInID
	f.Grading = &g
	return f, nil
}

// WalkInPayout returns how a walk-in's customer was paid, as its accepted
// event recorded it, or an error that is intake.ErrNotFound.
func (s *Store) WalkInPayout(ctx context.Context, tradeInID string) (intake.Payout, error) {
	var payload []byte
	err := s.read.QueryRowContext(ctx, `SELECT payload FROM outbox WHERE tradein_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1`,
		tradeInID, string(intake.EventWalkInAccepted)).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return intake.Payout{}, fmt.Errorf("walk-in %s: %w", tradeInID, intake.ErrNotFound)
	}
	if err != nil {
		return intake.Payout{}, fmt.Errorf("read walk-in %s: %w", tradeInID, err)
	}
	var p struct {
		Payout intake.Payout `json:"payout"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return intake.Payout{}, fmt.Errorf("decode walk-in %s: %w", tradeInID, err)
	}
	return p.Payout, nil
}

// Setting returns a setting's value, "" when it was never set.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting sets a setting; an empty value removes it.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if value == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		}
		if err != nil {
			return fmt.Errorf("set %s: %w", key, err)
		}
		return nil
	})
}
