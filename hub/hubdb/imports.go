package hubdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// Bulk operations for imports and exports. An import writes a batch of
// thousands of rows in one transaction; statement overhead, not SQLite's
// work, is what dominates row-at-a-time writes through database/sql, so
// new rows go in as multi-row INSERTs whose prepared statement is reused
// for every full chunk of the batch.

// rowsPerInsert is how many rows one multi-row INSERT carries: big enough
// to amortise a statement's round trip, small enough that the widest table
// (tradeins, 10 columns) stays far below SQLite's 32,766 parameters.
const rowsPerInsert = 200

// bulkInsert writes rows of len(cols) values each, flattened in values,
// into table.
func (tx *Tx) bulkInsert(ctx context.Context, table string, cols []string, values []any) error {
	n := len(cols)
	if len(values)%n != 0 {
		return fmt.Errorf("insert into %s: %d values for %d columns", table, len(values), n)
	}
	statement := func(rows int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
		return `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
	}
	chunk := rowsPerInsert * n
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for len(values) > 0 {
		if len(values) < chunk {
			if _, err := tx.tx.ExecContext(ctx, statement(len(values)/n), values...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			return nil
		}
		if full == nil {
			var err error
			if full, err = tx.tx.PrepareContext(ctx, statement(rowsPerInsert)); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
		if _, err := full.ExecContext(ctx, values[:chunk]...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		values = values[chunk:]
	}
	return nil
}

// keysPerQuery bounds the keys of one IN (…) lookup.
const keysPerQuery = 500

// lookup runs query, whose one IN (%s) takes keys, in chunks, and calls fn
// with each row.
func (tx *Tx) lookup(ctx context.Context, what, query string, keys []string, fn func(*sql.Rows) error) error {
	for len(keys) > 0 {
		part := keys[:min(len(keys), keysPerQuery)]
		keys = keys[len(part):]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		rows, err := tx.tx.QueryContext(ctx, fmt.Sprintf(query, strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")), args...)
		if err != nil {
			return fmt.Errorf("find %s: %w", what, err)
		}
		for rows.Next() {
			if err := fn(rows); err != nil {
				rows.Close()
				return fmt.Errorf("find %s: %w", what, err)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("find %s: %w", what, err)
		}
	}
	return nil
}

// ExternalIDsTaken returns which of ids trade-ins already hold as their
// external id.
func (tx *Tx) ExternalIDsTaken(ctx context.Context, ids []string) (map[string]bool, error) {
	taken := map[string]bool{}
	err := tx.lookup(ctx, "imported trade-ins", `SELECT external_id FROM tradeins WHERE external_id IN (%s)`, ids, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		taken[id] = true
		return nil
	})
	return taken, err
}

// NextNumbers takes n numbers of the counter name (the one NextNumber
// counts with) and returns the first; the others follow it.
func (tx *Tx) NextNumbers(ctx context.Context, name string, n int) (int64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("next %d %s numbers: want at least one", n, name)
	}
	var last int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + ? RETURNING CAST(value AS INTEGER)`,
		"counter:"+name, fmt.Sprint(n), n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("next %d %s numbers: %w", n, name, err)
	}
	return last - int64(n) + 1, nil
}

// ImportedTradeIn is a trade-in an import writes, with what its status
// says has happened to it already: the history entry of its import and,
// from acceptance on, its unit, stock movement, receipt and payout
// ledger. The caller has checked them against the status machine and the
// payout ledger's rules.
type ImportedTradeIn struct {
	TradeIn intake.TradeIn
	History HistoryEntry
	Unit    *Unit
	Stock   *intake.StockEntry
	Receipt *intake.Receipt
	Payouts []intake.PayoutEntry
}

// InsertImportedTradeIns writes new trade-ins and everything they hold,
// and logs each one's change at its UpdatedAt, so that benches pull it.
// Their ids are new: a trade-in's change log entry has nothing to replace.
func (tx *Tx) InsertImportedTradeIns(ctx context.Context, ts []ImportedTradeIn) error {
	var tradeIns, changes, history, units, stock, receipts, payouts []any
	for _, it := range ts {
		t := it.TradeIn
		row, err := tradeInRow(t)
		if err != nil {
			return fmt.Errorf("encode trade-in %s: %w", t.ID, err)
		}
		tradeIns = append(tradeIns, row...)
		changes = append(changes, string(wire.EntityTradeIn), t.ID, string(wire.OpUpsert), dbtime.Format(t.UpdatedAt))
		h := it.History
		history = append(history, t.ID, string(h.From), string(h.To), h.Actor, h.Reason, dbtime.Format(h.At))
		if u := it.Unit; u != nil {
			units = append(units, u.ID, u.TradeInID, u.IMEI, u.SKU, u.Status, dbtime.Format(u.CreatedAt), dbtime.Format(u.UpdatedAt))
		}
		if e := it.Stock; e != nil {
			stock = append(stock, e.SKU, e.Delta, string(e.Reason), dbtime.Nullable(e.TradeInID), dbtime.Nullable(e.UnitID), dbtime.Format(e.At))
		}
		if r := it.Receipt; r != nil {
			receipts = append(receipts, r.TradeInID, r.IMEI, r.Operator, r.Bench, dbtime.Format(r.At), r.EventKey)
		}
		for _, e := range it.Payouts {
			payouts = append(payouts, e.TradeInID, string(e.Kind), int64(e.Amount), string(e.Method), e.Destination, e.Reference,
				e.Actor, e.Note, dbtime.Format(e.At))
		}
	}
	// Parents first: the other tables reference tradeins.
	for _, ins := range []struct {
		table  string
		cols   []string
		values []any
	}{
		{"tradeins", []string{"id", "status", "imei", "imei2", "doc", "updated_at", "source", "external_id", "customer_id", "created_at"}, tradeIns},
		{"changes", []string{"entity", "entity_id", "op", "at"}, changes},
		{"tradein_history", []string{"tradein_id", "from_status", "to_status", "actor", "reason", "at"}, history},
		{"units", []string{"id", "tradein_id", "imei", "sku", "status", "created_at", "updated_at"}, units},
		{"stock_entries", []string{"sku", "delta", "reason", "tradein_id", "unit_id", "at"}, stock},
		{"receipts", []string{"tradein_id", "imei", "operator", "bench", "at", "event_key"}, receipts},
		{"payout_entries", []string{"tradein_id", "kind", "amount", "method", "destination", "reference", "actor", "note", "at"}, payouts},
	} {
		if err := tx.bulkInsert(ctx, ins.table, ins.cols, ins.values); err != nil {
			return err
		}
	}
	return nil
}

// VariantsOf returns the catalog variants of skus that exist, by SKU.
func (tx *Tx) VariantsOf(ctx context.Context, skus []string) (map[string]wire.Variant, error) {
	out := map[string]wire.Variant{}
	err := tx.lookup(ctx, "catalog variants", `SELECT doc FROM variants WHERE sku IN (%s)`, skus, func(rows *sql.Rows) error {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		var v wire.Variant
		if err := json.Unmarshal(doc, &v); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		out[v.SKU] = v
		return nil
	})
	return out, err
}

// FlagsOf returns the registry's flags on imeis that it flags, by IMEI.
func (tx *Tx) FlagsOf(ctx context.Context, imeis []string) (map[string]Flag, error) {
	out := map[string]Flag{}
	err := tx.lookup(ctx, "registry flags", `SELECT doc, balance FROM imei_flags WHERE imei IN (%s)`, imeis, func(rows *sql.Rows) error {
		var doc []byte
		var balance int64
		if err := rows.Scan(&doc, &balance); err != nil {
			return err
		}
		f := Flag{Balance: intake.Cents(balance)}
		if err := json.Unmarshal(doc, &f.Flag); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		out[f.IMEI] = f
		return nil
	})
	return out, err
}

// OperatorIDsTaken returns which of ids are operators already.
func (tx *Tx) OperatorIDsTaken(ctx context.Context, ids []string) (map[string]bool, error) {
	taken := map[string]bool{}
	err := tx.lookup(ctx, "operators", `SELECT id FROM operators WHERE id IN (%s)`, ids, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		taken[id] = true
		return nil
	})
	return taken, err
}

// StockBefore returns each product's stock from the entries made before
// at: where a ledger read from at on starts.
func (tx *Tx) StockBefore(ctx context.Context, at time.Time) (map[string]int64, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT sku, sum(delta) FROM stock_entries WHERE at < ? GROUP BY sku`, dbtime.Format(at))
	if err != nil {
		return nil, fmt.Errorf("read stock before %s: %w", dbtime.Format(at), err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var sku string
		var n int64
		if err := rows.Scan(&sku, &n); err != nil {
			return nil, fmt.Errorf("read stock before %s: %w", dbtime.Format(at), err)
		}
		out[sku] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stock before %s: %w", dbtime.Format(at), err)
	}
	return out, nil
}

// EventRecord is an event a bench pushed as the hub recorded it, for the
// audit export: the bench is the authenticated one, At the time the
// bench gave the event, ReceivedAt the hub's, Code and Detail the hub's
// answer to a rejected event.
type EventRecord struct {
	ReceivedAt time.Time
	Bench      string
	Seq        int64
	Key        string
	Kind       string
	TradeInID  string
	Operator   string
	At         time.Time
	Status     string
	Code       string
	Detail     string
	BodyHash   string
}

func scanEventRecord(row interface{ Scan(...any) error }) (EventRecord, error) {
	var e EventRecord
	var received, at string
	if err := row.Scan(&received, &e.Bench, &e.Seq, &e.Key, &e.Kind, &e.TradeInID, &e.Operator, &at, &e.Status,
		&e.Code, &e.Detail, &e.BodyHash); err != nil {
		return e, err
	}
	var err error
	if e.ReceivedAt, err = dbtime.Parse(received); err != nil {
		return e, err
	}
	e.At, err = dbtime.Parse(at)
	return e, err
}

// EachEvent calls fn with every event received at or after since, in the
// order the hub received them.
func (tx *Tx) EachEvent(ctx context.Context, since time.Time, fn func(EventRecord) error) error {
	return each(ctx, tx, "events", scanEventRecord, fn, `SELECT received_at, bench, seq, key, kind, tradein_id, operator, at, status,
		COALESCE(json_extract(CAST(result AS TEXT), '$.code'), ''), COALESCE(json_extract(CAST(result AS TEXT), '$.detail'), ''), body_hash
		FROM events WHERE received_at >= ? ORDER BY rowid`, dbtime.Format(since))
}
