package hubdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// Bulk operations for imports and exports. An import writes batches of
// thousands of trade-ins, one transaction a batch and some seven rows a
// trade-in. Row at a time, a round trip through database/sql and the
// driver costs as much as SQLite's own work, so new rows go in as
// multi-row INSERTs whose prepared statement is reused for every full
// chunk of the batch, and everything that can be encoded before the
// transaction is.

// Bulk runs fn, a bulk import of many transactions, with the writer
// tuned for it, and puts the writer back as it was after: a page cache of
// cacheMiB (the indexes an import inserts into all over, an IMEI index
// above all, stay in memory instead of being read back for every batch)
// and checkpoints after every 64K WAL pages instead of the usual few
// thousand (a hot index page is copied into the database once per many
// batches instead of once per batch). It checkpoints once at the end, so
// that the import's cost is paid by the import.
func (db *DB) Bulk(ctx context.Context, cacheMiB int, fn func() error) error {
	if db.pg != nil {
		return fn() // the server's settings are the server's
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return classify(fmt.Errorf("tune the writer for a bulk import: %w", err))
	}
	var cache, checkpoint int64
	err = conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache)
	if err == nil {
		err = conn.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&checkpoint)
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -int64(cacheMiB)*1024))
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 65536`)
	}
	// The pool has the one writer connection: it goes back for fn's
	// transactions, keeping its settings.
	conn.Close()
	if err != nil {
		return classify(fmt.Errorf("tune the writer for a bulk import: %w", err))
	}
	ferr := fn()
	// Restore even when ctx has ended: the writer outlives this import.
	restore := context.WithoutCancel(ctx)
	_, err = db.write.ExecContext(restore, fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, checkpoint))
	if err == nil {
		_, err = db.write.ExecContext(restore, fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
	}
	if err == nil {
		_, err = db.write.ExecContext(restore, `PRAGMA wal_checkpoint(PASSIVE)`)
	}
	if err != nil {
		err = classify(fmt.Errorf("restore the writer after a bulk import: %w", err))
	}
	return errors.Join(ferr, err)
}

// rowsPerInsert is how many rows one multi-row INSERT carries: big enough
// to amortise a statement's round trip, small enough that the widest table
// (tradeins, 10 columns) stays far below SQLite's 32,766 parameters.
const rowsPerInsert = 200

// bulkInsert writes rows of len(cols) values each, flattened in values,
// into table. On SQLite a conflict fails the statement (OR FAIL) without
// undoing the rows it wrote before: its transaction is rolled back whole
// by the caller, so SQLite need not keep a statement journal to undo a
// multi-row statement halfway.
func (tx *Tx) bulkInsert(ctx context.Context, table string, cols []string, values []any) error {
	n := len(cols)
	if len(values)%n != 0 {
		return fmt.Errorf("insert into %s: %d values for %d columns", table, len(values), n)
	}
	insert := `INSERT OR FAIL INTO `
	if tx.tx.pg != nil {
		insert = `INSERT INTO `
	}
	statement := func(rows int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
		return insert + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
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
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + ? AS TEXT) RETURNING CAST(value AS BIGINT)`,
		"counter:"+name, fmt.Sprint(n), int64(n)).Scan(&last)
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
	Site    string // the site it is expected at (migration 0010), "" for none
	History HistoryEntry
	Unit    *Unit
	Stock   *intake.StockEntry
	Receipt *intake.Receipt
	Payouts []intake.PayoutEntry
}

// EncodedTradeIn is an ImportedTradeIn as the table rows it becomes.
// Encoding (the trade-in's JSON above all) is most of the work of a row
// outside SQLite, so an import does it beside the writer, which then only
// binds values. A trade-in encoded without its reference takes it from
// SetReference: the customer-facing number is drawn inside the writing
// transaction.
type EncodedTradeIn struct {
	ID, ExternalID string
	tradeIn        []any // doc at tradeInDoc
	refAt          int   // where the reference's value goes in the doc; 0 when it has one
	children       [len(importTables) - 1][]any
}

const tradeInDoc = 4 // the doc's place among tradeins' values

// importTables are the tables an import writes, parents first: the others
// reference tradeins.
var importTables = [...]struct {
	name string
	cols []string
}{
	{"tradeins", []string{"id", "status", "imei", "imei2", "doc", "updated_at", "source", "external_id", "customer_id", "created_at", "site_id"}},
	{"changes", []string{"entity", "entity_id", "op", "at"}},
	{"tradein_history", []string{"tradein_id", "from_status", "to_status", "actor", "reason", "at"}},
	{"units", []string{"id", "tradein_id", "imei", "sku", "status", "created_at", "updated_at"}},
	{"stock_entries", []string{"sku", "delta", "reason", "tradein_id", "unit_id", "at"}},
	{"receipts", []string{"tradein_id", "imei", "operator", "bench", "at", "event_key"}},
	{"payout_entries", []string{"tradein_id", "kind", "amount", "method", "destination", "reference", "actor", "note", "at"}},
}

// EncodeImportedTradeIn encodes it for InsertEncodedTradeIns. Its change
// is logged at the trade-in's UpdatedAt.
func EncodeImportedTradeIn(it ImportedTradeIn) (*EncodedTradeIn, error) {
	t := it.TradeIn
	row, err := tradeInRow(t)
	if err != nil {
		return nil, fmt.Errorf("encode trade-in %s: %w", t.ID, err)
	}
	// A new trade-in no bench has pulled: its site is set, not moved to.
	row = append(row, dbtime.Nullable(it.Site))
	e := &EncodedTradeIn{ID: t.ID, ExternalID: t.ExternalID, tradeIn: row}
	if t.Reference == "" {
		// The JSON of a trade-in starts with its id and reference.
		id, err := json.Marshal(t.ID)
		if err != nil {
			return nil, err
		}
		prefix := `{"id":` + string(id) + `,"reference":"`
		doc := row[tradeInDoc].([]byte)
		if !strings.HasPrefix(string(doc), prefix+`"`) {
			return nil, fmt.Errorf("encode trade-in %s: its JSON does not start with its id and reference", t.ID)
		}
		e.refAt = len(prefix)
	}
	at := dbtime.Format(t.UpdatedAt)
	e.children[0] = []any{string(wire.EntityTradeIn), t.ID, string(wire.OpUpsert), at}
	h := it.History
	e.children[1] = []any{t.ID, string(h.From), string(h.To), h.Actor, h.Reason, dbtime.Format(h.At)}
	if u := it.Unit; u != nil {
		e.children[2] = []any{u.ID, u.TradeInID, u.IMEI, u.SKU, u.Status, dbtime.Format(u.CreatedAt), dbtime.Format(u.UpdatedAt)}
	}
	if s := it.Stock; s != nil {
		e.children[3] = []any{s.SKU, s.Delta, string(s.Reason), dbtime.Nullable(s.TradeInID), dbtime.Nullable(s.UnitID), dbtime.Format(s.At)}
	}
	if r := it.Receipt; r != nil {
		e.children[4] = []any{r.TradeInID, r.IMEI, r.Operator, r.Bench, dbtime.Format(r.At), r.EventKey}
	}
	for _, p := range it.Payouts {
		e.children[5] = append(e.children[5], p.TradeInID, string(p.Kind), int64(p.Amount), string(p.Method), p.Destination, p.Reference,
			p.Actor, p.Note, dbtime.Format(p.At))
	}
	return e, nil
}

// SetReference gives a trade-in encoded without a reference its own.
func (e *EncodedTradeIn) SetReference(ref string) error {
	if e.refAt == 0 {
		return fmt.Errorf("trade-in %s has a reference", e.ID)
	}
	quoted, err := json.Marshal(ref)
	if err != nil {
		return err
	}
	doc := e.tradeIn[tradeInDoc].([]byte)
	out := make([]byte, 0, len(doc)+len(quoted))
	out = append(out, doc[:e.refAt-1]...)
	out = append(out, quoted...)
	out = append(out, doc[e.refAt+1:]...)
	e.tradeIn[tradeInDoc] = out
	e.refAt = 0
	return nil
}

// NeedsReference reports whether the trade-in waits for SetReference.
func (e *EncodedTradeIn) NeedsReference() bool { return e.refAt != 0 }

// InsertEncodedTradeIns writes new trade-ins and everything they hold,
// and logs each one's change, so that benches pull it. Their ids are new:
// a trade-in's change log entry has nothing to replace.
func (tx *Tx) InsertEncodedTradeIns(ctx context.Context, es []*EncodedTradeIn) error {
	var sizes [len(importTables)]int
	for _, e := range es {
		if e.refAt != 0 {
			return fmt.Errorf("insert trade-in %s: no reference", e.ID)
		}
		sizes[0] += len(e.tradeIn)
		for i, c := range e.children {
			sizes[i+1] += len(c)
		}
	}
	var values [len(importTables)][]any
	for i := range values {
		values[i] = make([]any, 0, sizes[i])
	}
	for _, e := range es {
		values[0] = append(values[0], e.tradeIn...)
		for i, c := range e.children {
			values[i+1] = append(values[i+1], c...)
		}
	}
	if tx.tx.pg == nil {
		// Children are checked against their trade-in at the commit: a
		// statement that cannot fail halfway needs no statement journal,
		// and the transaction is all or nothing anyway.
		if _, err := tx.tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return fmt.Errorf("defer foreign keys: %w", err)
		}
	}
	for i, t := range importTables {
		if t.name == "changes" && tx.tx.pg != nil {
			// PostgreSQL's positions come from the change counter, one
			// change at a time (AppendChange).
			for _, e := range es {
				at, err := dbtime.Parse(e.children[0][3].(string))
				if err != nil {
					return err
				}
				if err := tx.AppendChange(ctx, wire.EntityTradeIn, e.ID, wire.OpUpsert, at); err != nil {
					return err
				}
			}
			continue
		}
		if err := tx.bulkInsert(ctx, t.name, t.cols, values[i]); err != nil {
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
	rows, err := tx.tx.QueryContext(ctx, `SELECT sku, CAST(sum(delta) AS BIGINT) FROM stock_entries WHERE at < ? GROUP BY sku`, dbtime.Format(at))
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
	// The answer is JSON; SQLite stored it as a blob.
	answer := `COALESCE(json_extract(CAST(result AS TEXT), '$.code'), ''), COALESCE(json_extract(CAST(result AS TEXT), '$.detail'), '')`
	if tx.tx.pg != nil {
		answer = `COALESCE(CAST(result AS json)->>'code', ''), COALESCE(CAST(result AS json)->>'detail', '')`
	}
	return each(ctx, tx, "events", scanEventRecord, fn, `SELECT received_at, bench, seq, key, kind, tradein_id, operator, at, status,
		`+answer+`, body_hash FROM events WHERE received_at >= ? ORDER BY rowid`, dbtime.Format(since))
}
