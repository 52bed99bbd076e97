package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// RecordReceipt writes the unit, its events to the outbox and the audit
// log in one transaction. A device already received at this bench gives an
// *intake.AlreadyReceivedError and changes nothing.
func (s *Store) RecordReceipt(ctx context.Context, r intake.Receipt, events []intake.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if prior, ok, err := localReceipt(ctx, tx, r.TradeInID); err != nil {
			return err
		} else if ok {
			return &intake.AlreadyReceivedError{Receipt: prior}
		}
		if err := insertUnit(ctx, tx, r); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, events)
	})
	return err
}

// insertUnit writes the unit of a receipt, with its hand link if it has one.
func insertUnit(ctx context.Context, tx *sql.Tx, r intake.Receipt) error {
	var link any
	if r.Link != nil {
		if err := intake.ValidateHandLink(*r.Link, r.IMEI); err != nil {
			return fmt.Errorf("receipt of %s: %w", r.TradeInID, err)
		}
		b, err := json.Marshal(r.Link)
		if err != nil {
			return fmt.Errorf("encode hand link of %s: %w", r.TradeInID, err)
		}
		link = string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO units (tradein_id, imei, state, operator, bench, received_at, event_key, link)
		VALUES (?, ?, 'received', ?, ?, ?, ?, ?)`, r.TradeInID, r.IMEI, r.Operator, r.Bench, dbtime.Format(r.At), r.EventKey, link); err != nil {
		return fmt.Errorf("insert unit: %w", err)
	}
	return nil
}

// RecordQuarantine appends the events of a device set aside for a
// supervisor to the outbox and the audit log, in one transaction. The bench
// keeps no other record of it: the device is no unit of a trade-in, and the
// hub is where a supervisor settles it.
func (s *Store) RecordQuarantine(ctx context.Context, q intake.QuarantinedDevice, events []intake.Event) error {
	if err := q.Validate(); err != nil {
		return err
	}
	if len(events) == 0 {
		return errors.New("quarantine: no event to record")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.appendEvents(ctx, tx, events) })
}

// RecordGrading writes a grading, moves its unit on (graded, or rerouted to
// Returns with the payout held) and appends the events, in one transaction.
func (s *Store) RecordGrading(ctx context.Context, g intake.Grading, events []intake.Event) error {
	inspection, err := json.Marshal(g.Inspection)
	if err != nil {
		return err
	}
	grade, err := json.Marshal(g.Grade)
	if err != nil {
		return err
	}
	decision, err := json.Marshal(g.Decision)
	if err != nil {
		return err
	}
	state := "graded"
	if g.Decision.Reroute {
		state = "rerouted"
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE units SET state = ? WHERE tradein_id = ? AND state IN ('received', 'graded', 'rerouted', 'photos-requested')`, state, g.TradeInID)
		if err != nil {
			return fmt.Errorf("update unit: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("trade-in %s has no unit awaiting grading at this bench", g.TradeInID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gradings (tradein_id, operator, bench, at, inspection, grade, decision, event_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, g.TradeInID, g.Operator, g.Bench, dbtime.Format(g.At), inspection, grade, decision, g.EventKey); err != nil {
			return fmt.Errorf("insert grading: %w", err)
		}
		return s.appendEvents(ctx, tx, events)
	})
}

// appendEvents queues events for the hub and writes each to the audit log.
func (s *Store) appendEvents(ctx context.Context, tx *sql.Tx, events []intake.Event) error {
	for _, ev := range events {
		if ev.Key == "" || ev.Operator == "" || ev.Bench == "" || ev.At.IsZero() {
			return fmt.Errorf("event %s is missing who, when, where or its key", ev.Kind)
		}
		// The hub's contract refuses such an event, and the outbox pushes in
		// order: it would hold up every event after it.
		if ev.Kind.AboutTradeIn() != (ev.TradeInID != "") {
			if ev.TradeInID == "" {
				return fmt.Errorf("event %s names no trade-in", ev.Kind)
			}
			return fmt.Errorf("event %s is about a device, not trade-in %s", ev.Kind, ev.TradeInID)
		}
		payload, err := json.Marshal(ev.Payload)
		if err != nil {
			return fmt.Errorf("encode event %s: %w", ev.Kind, err)
		}
		at := dbtime.Format(ev.At)
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (key, kind, tradein_id, operator, bench, at, payload, grant_token, proof)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.Key, string(ev.Kind), ev.TradeInID, ev.Operator, ev.Bench, at, payload, ev.Grant, ev.Proof); err != nil {
			return fmt.Errorf("queue event %s: %w", ev.Kind, err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{At: at, Operator: ev.Operator, Bench: ev.Bench, Action: string(ev.Kind),
			Subject: ev.Subject(), Reason: ev.Reason, Detail: string(payload)}); err != nil {
			return err
		}
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// LocalReceipt returns this bench's receipt of a trade-in, if it has one.
func (s *Store) LocalReceipt(ctx context.Context, tradeInID string) (intake.Receipt, bool, error) {
	return localReceipt(ctx, s.read, tradeInID)
}

func localReceipt(ctx context.Context, q querier, tradeInID string) (intake.Receipt, bool, error) {
	return scanReceipt(q.QueryRowContext(ctx, `SELECT tradein_id, imei, operator, bench, received_at, event_key, link FROM units
		WHERE tradein_id = ?`, tradeInID), "trade-in "+tradeInID)
}

// LocalReceiptByDevice returns this bench's latest receipt of the device
// received under identifier.
func (s *Store) LocalReceiptByDevice(ctx context.Context, identifier string) (intake.Receipt, bool, error) {
	return scanReceipt(s.read.QueryRowContext(ctx, `SELECT tradein_id, imei, operator, bench, received_at, event_key, link FROM units
		WHERE imei = ? ORDER BY rowid DESC LIMIT 1`, identifier), "device "+identifier)
}

func scanReceipt(row *sql.Row, what string) (intake.Receipt, bool, error) {
	var r intake.Receipt
	var at string
	var link sql.NullString
	err := row.Scan(&r.TradeInID, &r.IMEI, &r.Operator, &r.Bench, &at, &r.EventKey, &link)
	if errors.Is(err, sql.ErrNoRows) {
		return intake.Receipt{}, false, nil
	}
	if err != nil {
		return intake.Receipt{}, false, fmt.Errorf("receipt of %s: %w", what, err)
	}
	if r.At, err = dbtime.Parse(at); err != nil {
		return intake.Receipt{}, false, fmt.Errorf("receipt of %s: %w", what, err)
	}
	if link.Valid {
		r.Link = &intake.HandLink{}
		if err := json.Unmarshal([]byte(link.String), r.Link); err != nil {
			return intake.Receipt{}, false, fmt.Errorf("receipt of %s: decode hand link: %w", what, err)
		}
	}
	return r, true, nil
}
