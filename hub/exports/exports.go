// Package exports writes the hub's ledgers and records out as CSV, for
// accounting, stock control and audit: units, the payout ledger, the stock
// ledger and the events benches pushed. Rows are streamed from one read
// snapshot, never held: an export of millions of rows uses the memory of
// one. Money is a decimal string ("320.00"), times are RFC 3339 in UTC.
package exports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// Kind is what an export holds.
type Kind string

// The kinds of export.
const (
	// KindUnits is every unit (a trade-in's device as stock) changed since.
	KindUnits Kind = "units"
	// KindPayouts is the payout ledger's entries made since.
	KindPayouts Kind = "payouts"
	// KindStock is the stock ledger's entries made since, each with its
	// product's balance after it (counting the entries before since).
	KindStock Kind = "stock"
	// KindAudit is the hub's record of the events benches pushed,
	// received since: what each bench (the authenticated one, whatever the
	// event named) sent and what the hub answered. It is not a bench's own
	// hash-chained log, which stays on the bench (intakebench audit
	// verify); the hub keeps only its heads (intakehub audit verify).
	KindAudit Kind = "audit"
)

// Kinds lists every kind.
var Kinds = []Kind{KindUnits, KindPayouts, KindStock, KindAudit}

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); slices.Contains(Kinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("unknown export %q (want units, payouts, stock or audit)", s)
}

// Columns is the kind's CSV header, nil for no kind.
func (k Kind) Columns() []string {
	switch k {
	case KindUnits:
		return []string{"id", "label_id", "trade_in_id", "imei", "sku", "status", "created_at", "updated_at"}
	case KindPayouts:
		return []string{"id", "at", "trade_in_id", "kind", "amount", "method", "destination", "reference", "actor", "note"}
	case KindStock:
		return []string{"id", "at", "sku", "delta", "reason", "trade_in_id", "unit_id", "balance"}
	case KindAudit:
		// event_at is the time the bench gave the event (its clock);
		// received_at is the hub's. code and detail are the hub's answer
		// to a rejected event, body_hash the fingerprint of what the
		// event said.
		return []string{"received_at", "bench", "seq", "key", "kind", "trade_in_id", "operator", "event_at", "status", "code", "detail", "body_hash"}
	}
	return nil
}

// ParseSince reads a --since or ?since= value: an RFC 3339 time, or a
// date (midnight UTC). Empty is the beginning of time.
func ParseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("since %.40q is not a time: want RFC 3339 (2026-03-01T09:30:00Z) or a date (2026-03-01)", s)
}

// Exporter exports from one hub database.
type Exporter struct{ db *hubdb.DB }

// New returns an exporter reading db.
func New(db *hubdb.DB) *Exporter { return &Exporter{db: db} }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Export writes kind's rows since since to w as CSV, header first, from
// one snapshot of the database, and returns how many rows it wrote.
func (e *Exporter) Export(ctx context.Context, kind Kind, since time.Time, w io.Writer) (int, error) {
	cols := kind.Columns()
	if cols == nil {
		_, err := ParseKind(string(kind))
		return 0, err
	}
	out := csv.NewWriter(w)
	n := 0
	write := func(rec []string) error {
		if err := out.Write(rec); err != nil {
			return fmt.Errorf("write %s: %w", kind, err)
		}
		n++
		return nil
	}
	err := e.db.View(ctx, func(tx *hubdb.Tx) error {
		if err := out.Write(cols); err != nil {
			return fmt.Errorf("write %s: %w", kind, err)
		}
		switch kind {
		case KindUnits:
			return tx.EachUnit(ctx, since, func(u hubdb.Unit) error {
				return write([]string{u.ID, u.LabelID, u.TradeInID, u.IMEI, u.SKU, u.Status, stamp(u.CreatedAt), stamp(u.UpdatedAt)})
			})
		case KindPayouts:
			return tx.EachPayoutEntry(ctx, since, func(p intake.PayoutEntry) error {
				return write([]string{strconv.FormatInt(p.ID, 10), stamp(p.At), p.TradeInID, string(p.Kind), p.Amount.String(), string(p.Method),
					p.Destination, p.Reference, p.Actor, p.Note})
			})
		case KindStock:
			balance, err := tx.StockBefore(ctx, since)
			if err != nil {
				return err
			}
			return tx.EachStockEntry(ctx, since, func(s intake.StockEntry) error {
				balance[s.SKU] += s.Delta
				return write([]string{strconv.FormatInt(s.ID, 10), stamp(s.At), s.SKU, strconv.FormatInt(s.Delta, 10), string(s.Reason),
					s.TradeInID, s.UnitID, strconv.FormatInt(balance[s.SKU], 10)})
			})
		default:
			return tx.EachEvent(ctx, since, func(ev hubdb.EventRecord) error {
				return write([]string{stamp(ev.ReceivedAt), ev.Bench, strconv.FormatInt(ev.Seq, 10), ev.Key, ev.Kind, ev.TradeInID, ev.Operator,
					stamp(ev.At), ev.Status, ev.Code, ev.Detail, ev.BodyHash})
			})
		}
	})
	if err != nil {
		// What is still buffered is not sent: a failure before the first
		// row reached w leaves it untouched.
		return n, err
	}
	out.Flush()
	return n, out.Error()
}
