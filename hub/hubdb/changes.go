package hubdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// AppendChange logs an entity's change, replacing its earlier entry: the
// log keeps the latest change per entity, at a new position (see the
// package comment on why positions follow commit order).
func (tx *Tx) AppendChange(ctx context.Context, entity wire.Entity, id string, op wire.Op, at time.Time) error {
	if entity == wire.EntityTradeIn {
		tx.touchReview(id, at)
	}
	if tx.tx.pg != nil {
		// The counter's row lock, held to the commit, hands positions out
		// in commit order (migration 0001's comment).
		_, err := tx.tx.ExecContext(ctx, `WITH next AS (UPDATE change_counter SET seq = seq + 1 RETURNING seq)
			INSERT INTO changes (seq, entity, entity_id, op, at) SELECT next.seq, ?, ?, ?, ? FROM next
			ON CONFLICT (entity, entity_id) DO UPDATE SET seq = excluded.seq, op = excluded.op, at = excluded.at`,
			string(entity), id, string(op), dbtime.Format(at))
		if err != nil {
			return fmt.Errorf("log change of %s %s: %w", entity, id, err)
		}
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM changes WHERE entity = ? AND entity_id = ?`, string(entity), id); err != nil {
		return fmt.Errorf("log change of %s %s: %w", entity, id, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO changes (entity, entity_id, op, at) VALUES (?, ?, ?, ?)`,
		string(entity), id, string(op), dbtime.Format(at)); err != nil {
		return fmt.Errorf("log change of %s %s: %w", entity, id, err)
	}
	return nil
}

// Change is one entry of the change log with its entity's stored JSON,
// nil for a delete.
type Change struct {
	Seq    int64
	Entity string
	Op     string
	ID     string
	Doc    []byte
}

// ChangesAfter returns up to limit changes after position after, in order.
func (tx *Tx) ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error) {
	return tx.changesAfter(ctx, after, limit, "")
}

// ChangesOfAfter returns up to limit changes of the given entities after
// position after, in order; the log's other entries are skipped, not
// counted. No entities is no changes: a reader is shown what it is allowed
// to see, never everything by default.
func (tx *Tx) ChangesOfAfter(ctx context.Context, entities []wire.Entity, after int64, limit int) ([]Change, error) {
	if len(entities) == 0 {
		return nil, nil
	}
	filter, err := entityFilter(entities)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return tx.changesAfter(ctx, after, limit, filter)
}

// CountChangesOfAfter counts the changes of the given entities after
// position after: what a reader has left to read, for its progress. It
// reads that whole part of the log (about 0.1 s for a million changes), so
// a feed counts once per read from the start, not on every page.
func (tx *Tx) CountChangesOfAfter(ctx context.Context, entities []wire.Entity, after int64) (int64, error) {
	if len(entities) == 0 {
		return 0, nil
	}
	filter, err := entityFilter(entities)
	if err != nil {
		return 0, fmt.Errorf("count changes: %w", err)
	}
	var n int64
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM changes c WHERE c.seq > ?`+filter, after).Scan(&n); err != nil {
		return 0, fmt.Errorf("count changes: %w", err)
	}
	return n, nil
}

// entityFilter is the condition that keeps a log's entries of entities.
// The entity names are the package's own constants, checked here, so they
// can be written into the statement: a placeholder list would change the
// SQL text with every set and defeat the statement cache. The unary +
// keeps SQLite from reading through the (entity, entity_id) index and
// sorting the whole log by seq afterwards.
func entityFilter(entities []wire.Entity) (string, error) {
	in := make([]string, len(entities))
	for i, e := range entities {
		switch e {
		case wire.EntityTradeIn, wire.EntityFlag, wire.EntityOperator, wire.EntityVariant, wire.EntityReview, wire.EntityQuarantine:
			in[i] = "'" + string(e) + "'"
		default:
			return "", fmt.Errorf("unknown entity %q", e)
		}
	}
	return ` AND +c.entity IN (` + strings.Join(in, ", ") + `)`, nil
}

func (tx *Tx) changesAfter(ctx context.Context, after int64, limit int, filter string) ([]Change, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT c.seq, c.entity, c.entity_id, c.op,
		CASE c.entity
			WHEN 'tradein'   THEN (SELECT doc FROM tradeins   WHERE id   = c.entity_id)
			WHEN 'imei_flag' THEN (SELECT doc FROM imei_flags WHERE imei = c.entity_id)
			WHEN 'operator'  THEN (SELECT doc FROM operators  WHERE id   = c.entity_id)
			WHEN 'variant'   THEN (SELECT doc FROM variants   WHERE sku  = c.entity_id)`+supervisorsDocs+`
		END
		FROM changes c WHERE c.seq > ?`+filter+` ORDER BY c.seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	out := make([]Change, 0, min(limit, 1024))
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Seq, &c.Entity, &c.ID, &c.Op, &c.Doc); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return out, nil
}

// supervisorsDocs are the cases of a change's doc for the supervisors'
// entities (reviews.go).
const supervisorsDocs = `
			WHEN 'review'     THEN (SELECT doc FROM review_docs WHERE tradein_id = c.entity_id)
			WHEN 'quarantine' THEN (SELECT doc FROM quarantines WHERE event_key  = c.entity_id)`

// HighWater is the last position the log ever handed out, also when the
// entry that had it was compacted or moved on by a later change.
func (tx *Tx) HighWater(ctx context.Context) (int64, error) {
	var top sql.NullInt64
	query := `SELECT seq FROM sqlite_sequence WHERE name = 'changes'`
	if tx.tx.pg != nil {
		query = `SELECT seq FROM change_counter`
	}
	err := tx.tx.QueryRowContext(ctx, query).Scan(&top)
	if err != nil && err != sql.ErrNoRows {
		return 0, fmt.Errorf("read the change log's high-water mark: %w", err)
	}
	return top.Int64, nil
}

// Horizon is the newest position compaction removed: a reader behind it may
// have missed a tombstone.
func (tx *Tx) Horizon(ctx context.Context) (int64, error) {
	var v int64
	err := tx.tx.QueryRowContext(ctx, `SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'horizon'`).Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return 0, fmt.Errorf("read the compaction horizon: %w", err)
	}
	return v, nil
}

// CompactTombstones removes the tombstones of entities deleted before
// cutoff, moves the horizon past them, and returns how many it removed.
// Upserts need no compaction: the log keeps only each entity's latest.
func (tx *Tx) CompactTombstones(ctx context.Context, cutoff time.Time) (int64, error) {
	var top sql.NullInt64
	if err := tx.tx.QueryRowContext(ctx, `SELECT max(seq) FROM changes WHERE op = 'delete' AND at < ?`,
		dbtime.Format(cutoff)).Scan(&top); err != nil {
		return 0, fmt.Errorf("find old tombstones: %w", err)
	}
	if !top.Valid {
		return 0, nil
	}
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM changes WHERE op = 'delete' AND seq <= ?`, top.Int64)
	if err != nil {
		return 0, fmt.Errorf("compact changes: %w", err)
	}
	removed, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	horizon, err := tx.Horizon(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('horizon', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fmt.Sprint(max(horizon, top.Int64))); err != nil {
		return 0, fmt.Errorf("move the horizon: %w", err)
	}
	return removed, nil
}

// Instance names this database, so a cursor issued by another one is
// known for what it is. It is made on first use.
func (tx *Tx) Instance(ctx context.Context) (string, error) {
	var id string
	err := tx.tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'instance'`).Scan(&id)
	if err != sql.ErrNoRows {
		return id, err
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id = hex.EncodeToString(b)
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('instance', ?)`, id); err != nil {
		return "", fmt.Errorf("name the database: %w", err)
	}
	return id, nil
}
