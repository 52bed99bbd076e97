package hubdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// Receipt returns the receipt of a trade-in, and false if no bench has
// received it. The receipts table's primary key is the arbiter between
// benches: one receipt per trade-in, whichever bench got there first.
func (tx *Tx) Receipt(ctx context.Context, tradeInID string) (intake.Receipt, bool, error) {
	r := intake.Receipt{TradeInID: tradeInID}
	var at string
	var link sql.NullString
	err := tx.tx.QueryRowContext(ctx, `SELECT imei, operator, bench, at, event_key, link FROM receipts WHERE tradein_id = ?`, tradeInID).
		Scan(&r.IMEI, &r.Operator, &r.Bench, &at, &r.EventKey, &link)
	if err == sql.ErrNoRows {
		return intake.Receipt{}, false, nil
	}
	if err != nil {
		return intake.Receipt{}, false, fmt.Errorf("receipt of %s: %w", tradeInID, err)
	}
	if link.Valid {
		r.Link = &intake.HandLink{}
		if err := json.Unmarshal([]byte(link.String), r.Link); err != nil {
			return intake.Receipt{}, false, fmt.Errorf("receipt of %s: decode hand link: %w", tradeInID, err)
		}
	}
	if r.At, err = dbtime.Parse(at); err != nil {
		return intake.Receipt{}, false, fmt.Errorf("receipt of %s: %w", tradeInID, err)
	}
	return r, true, nil
}

// InsertReceipt records a receipt; a second receipt of one trade-in fails.
func (tx *Tx) InsertReceipt(ctx context.Context, r intake.Receipt) error {
	var link any
	if r.Link != nil {
		b, err := json.Marshal(r.Link)
		if err != nil {
			return err
		}
		link = string(b)
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO receipts (tradein_id, imei, operator, bench, at, event_key, link, label_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.TradeInID, r.IMEI, r.Operator, r.Bench, dbtime.Format(r.At), r.EventKey, link, intake.UnitIDFor(r.EventKey)); err != nil {
		return fmt.Errorf("insert receipt of %s: %w", r.TradeInID, err)
	}
	return nil
}

// ReceiptInProgress returns the newest receipt of device imei for a
// trade-in other than except that is still received or inspected, or was
// completed (the device was bought: it is ours), and whether there is one.
func (tx *Tx) ReceiptInProgress(ctx context.Context, imei, except string) (intake.Receipt, bool, error) {
	var id string
	err := tx.tx.QueryRowContext(ctx, `SELECT r.tradein_id FROM receipts r JOIN tradeins t ON t.id = r.tradein_id
		WHERE r.imei = ? AND r.tradein_id <> ? AND t.status IN ('received', 'inspected', 'completed') ORDER BY r.at DESC LIMIT 1`, imei, except).Scan(&id)
	if err == sql.ErrNoRows {
		return intake.Receipt{}, false, nil
	}
	if err != nil {
		return intake.Receipt{}, false, fmt.Errorf("find receipts of %s: %w", imei, err)
	}
	return tx.Receipt(ctx, id)
}

// Step is one thing a bench did to a trade-in, kept as the event's
// payload: a grading, a reroute, a supervisor's decision.
type Step struct {
	EventKey  string
	TradeInID string
	Bench     string
	Doc       []byte
}

// InsertGrading records a grading.
func (tx *Tx) InsertGrading(ctx context.Context, s Step) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO gradings (event_key, tradein_id, bench, doc) VALUES (?, ?, ?, ?)`,
		s.EventKey, s.TradeInID, s.Bench, string(s.Doc)); err != nil {
		return fmt.Errorf("insert grading of %s: %w", s.TradeInID, err)
	}
	tx.touchReview(s.TradeInID, time.Time{})
	return nil
}

// InsertReroute records a device rerouted to Returns, its payout held.
func (tx *Tx) InsertReroute(ctx context.Context, s Step) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO reroutes (event_key, tradein_id, bench, decision) VALUES (?, ?, ?, ?)`,
		s.EventKey, s.TradeInID, s.Bench, string(s.Doc)); err != nil {
		return fmt.Errorf("insert reroute of %s: %w", s.TradeInID, err)
	}
	tx.touchReview(s.TradeInID, time.Time{})
	return nil
}

// Rerouted reports whether a trade-in was ever rerouted.
func (tx *Tx) Rerouted(ctx context.Context, tradeInID string) (bool, error) {
	return tx.exists(ctx, "reroute of "+tradeInID, `SELECT 1 FROM reroutes WHERE tradein_id = ?`, tradeInID)
}

// LatestGrading returns the newest grading of a trade-in as the bench sent
// it, or ErrNotFound.
func (tx *Tx) LatestGrading(ctx context.Context, tradeInID string) ([]byte, error) {
	var doc []byte
	err := tx.tx.QueryRowContext(ctx, `SELECT doc FROM gradings WHERE tradein_id = ? ORDER BY rowid DESC LIMIT 1`, tradeInID).Scan(&doc)
	if err := notFound(err, "grading of %s", tradeInID); err != nil {
		return nil, err
	}
	return doc, nil
}

// DecisionKinds lists the kinds of the supervisor decisions made on a
// trade-in, oldest first.
func (tx *Tx) DecisionKinds(ctx context.Context, tradeInID string) ([]string, error) {
	return sqlitedb.QueryStrings(ctx, tx.tx, "decisions on "+tradeInID, `SELECT kind FROM decisions WHERE tradein_id = ? ORDER BY rowid`, tradeInID)
}

// PhotosAsked reports whether the last grading or supervisor decision
// applied to a trade-in is a request for more photos: one no bench has
// answered with a new grading yet. The events' order is the hub's own.
func (tx *Tx) PhotosAsked(ctx context.Context, tradeInID string) (bool, error) {
	var kind string
	err := tx.tx.QueryRowContext(ctx, `SELECT kind FROM events WHERE tradein_id = ? AND status = 'applied' AND kind IN (?, ?)
		ORDER BY rowid DESC LIMIT 1`, tradeInID, string(intake.EventGraded), string(intake.EventPhotosRequested)).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("photo requests of %s: %w", tradeInID, err)
	}
	return kind == string(intake.EventPhotosRequested), nil
}

// InsertDecision records a supervisor's decision of kind.
func (tx *Tx) InsertDecision(ctx context.Context, s Step, kind string) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO decisions (event_key, tradein_id, bench, kind, doc) VALUES (?, ?, ?, ?, ?)`,
		s.EventKey, s.TradeInID, s.Bench, kind, string(s.Doc)); err != nil {
		return fmt.Errorf("insert decision on %s: %w", s.TradeInID, err)
	}
	tx.touchReview(s.TradeInID, time.Time{})
	return nil
}

// WalkIn is a trade-in bought at a store counter, its receipt and what is
// owed for it.
type WalkIn struct {
	EventKey string
	TradeIn  intake.TradeIn
	Receipt  intake.Receipt
	Payout   intake.Payout
}

// InsertWalkIn records a walk-in: the trade-in, its receipt and its payout.
func (tx *Tx) InsertWalkIn(ctx context.Context, w WalkIn) error {
	if err := tx.InsertTradeIn(ctx, w.TradeIn); err != nil {
		return err
	}
	if err := tx.InsertReceipt(ctx, w.Receipt); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO walkins (event_key, tradein_id, bench, payout_method, payout_cents) VALUES (?, ?, ?, ?, ?)`,
		w.EventKey, w.TradeIn.ID, w.Receipt.Bench, string(w.Payout.Method), int64(w.Payout.Amount)); err != nil {
		return fmt.Errorf("record walk-in %s: %w", w.TradeIn.ID, err)
	}
	return nil
}

// PhotoRecord is a photo a bench took of a trade-in's device.
type PhotoRecord struct {
	EventKey  string
	TradeInID string
	Bench     string
	intake.Photo
}

// InsertPhoto records a photo whose blob the hub holds.
func (tx *Tx) InsertPhoto(ctx context.Context, p PhotoRecord) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO photos (event_key, tradein_id, sha256, angle, mime, bench, operator, taken_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.EventKey, p.TradeInID, p.SHA256, p.Angle, p.MIME, p.Bench, p.Operator, dbtime.Format(p.TakenAt)); err != nil {
		return fmt.Errorf("insert photo of %s: %w", p.TradeInID, err)
	}
	tx.touchReview(p.TradeInID, time.Time{})
	return nil
}

// Photos lists the photos of a trade-in's device, oldest first.
func (tx *Tx) Photos(ctx context.Context, tradeInID string) ([]intake.Photo, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "photos of "+tradeInID, func(rows *sql.Rows) (intake.Photo, error) {
		var p intake.Photo
		var at string
		if err := rows.Scan(&p.SHA256, &p.Angle, &p.MIME, &p.Operator, &at); err != nil {
			return p, err
		}
		var err error
		p.TakenAt, err = dbtime.Parse(at)
		return p, err
	}, `SELECT sha256, angle, mime, operator, taken_at FROM photos WHERE tradein_id = ? ORDER BY taken_at, event_key`, tradeInID)
}

// Quarantine is a device no trade-in holds, set aside at a bench.
type Quarantine struct {
	EventKey    string
	Bench       string
	Operator    string
	At          time.Time
	Device      string // the first identifier read from the scan
	Identifiers []byte // every identifier, JSON
	Scan        string
	Reason      string
	Doc         []byte // the bench's intake.QuarantinedDevice
	RecordedAt  time.Time
}

// InsertQuarantine records a quarantined device.
func (tx *Tx) InsertQuarantine(ctx context.Context, q Quarantine) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO quarantines (event_key, bench, operator, at, device, identifiers, scan, reason, doc, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, q.EventKey, q.Bench, q.Operator, dbtime.Format(q.At), q.Device, string(q.Identifiers), q.Scan,
		q.Reason, string(q.Doc), dbtime.Format(q.RecordedAt)); err != nil {
		return fmt.Errorf("record quarantine: %w", err)
	}
	// Every supervisor bench of the site shows the shelf (reviews.go).
	return tx.AppendChange(ctx, wire.EntityQuarantine, q.EventKey, wire.OpUpsert, q.RecordedAt)
}

// Quarantines lists quarantined devices as the benches recorded them,
// oldest first.
func (tx *Tx) Quarantines(ctx context.Context) ([]intake.QuarantinedDevice, error) {
	return sqlitedb.QueryDocs[intake.QuarantinedDevice](ctx, tx.tx, "quarantines", `SELECT doc FROM quarantines ORDER BY at, event_key`)
}

// LatestDecision returns the last supervisor decision on a trade-in as the
// bench sent it, or ErrNotFound.
func (tx *Tx) LatestDecision(ctx context.Context, tradeInID string) ([]byte, error) {
	var doc []byte
	err := tx.tx.QueryRowContext(ctx, `SELECT doc FROM decisions WHERE tradein_id = ? ORDER BY rowid DESC LIMIT 1`, tradeInID).Scan(&doc)
	return doc, notFound(err, "decision on %s", tradeInID)
}

// TradeInOfLabel returns the id of the trade-in whose device carries the
// unit label labelID, printed by the bench that received it, or
// ErrNotFound.
func (tx *Tx) TradeInOfLabel(ctx context.Context, labelID string) (string, error) {
	var id string
	err := tx.tx.QueryRowContext(ctx, `SELECT tradein_id FROM receipts WHERE label_id = ?`, labelID).Scan(&id)
	return id, notFound(err, "unit labelled %s", labelID)
}

// metaBackfillUnitLabels is the meta row migration 0012 leaves for
// BackfillUnitLabels.
const metaBackfillUnitLabels = "backfill unit labels"

// BackfillUnitLabels gives the receipts from before migration 0012 their
// label ids, from their event keys, once: the row the migration left in
// meta asks for it, and goes in the same transaction.
func (tx *Tx) BackfillUnitLabels(ctx context.Context) error {
	var asked bool
	if err := tx.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key = ?)`, metaBackfillUnitLabels).Scan(&asked); err != nil {
		return fmt.Errorf("read the unit label backfill: %w", err)
	}
	if !asked {
		return nil
	}
	keys, err := sqlitedb.QueryStrings(ctx, tx.tx, "receipts", `SELECT event_key FROM receipts WHERE label_id IS NULL`)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE receipts SET label_id = ? WHERE event_key = ?`, intake.UnitIDFor(key), key); err != nil {
			return fmt.Errorf("label the receipt of event %s: %w", key, err)
		}
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaBackfillUnitLabels); err != nil {
		return fmt.Errorf("end the unit label backfill: %w", err)
	}
	return nil
}
