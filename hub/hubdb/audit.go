package hubdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// AuditHead is the head of a bench's audit log as one push carried it.
type AuditHead struct {
	Bench      string
	TokenID    int64
	Seq        int64
	Hash       string
	ReceivedAt time.Time
	// Rewrite says why the head does not extend the bench's head before
	// it; empty when it does.
	Rewrite string
}

// LastAuditHead returns the latest head recorded of the bench called name,
// across its enrollments, or ErrNotFound.
func (tx *Tx) LastAuditHead(ctx context.Context, name string) (AuditHead, error) {
	h, err := scanAuditHead(tx.tx.QueryRowContext(ctx, `SELECT bench, token_id, seq, hash, received_at, rewrite FROM audit_heads
		WHERE bench = ? ORDER BY id DESC LIMIT 1`, name))
	if err := notFound(err, "audit head of %s", name); err != nil {
		return AuditHead{}, err
	}
	return h, nil
}

// InsertAuditHead records a head.
func (tx *Tx) InsertAuditHead(ctx context.Context, h AuditHead) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO audit_heads (bench, token_id, seq, hash, received_at, rewrite) VALUES (?, ?, ?, ?, ?, ?)`,
		h.Bench, h.TokenID, h.Seq, h.Hash, dbtime.Format(h.ReceivedAt), h.Rewrite)
	if err != nil {
		return fmt.Errorf("record audit head %d of %s: %w", h.Seq, h.Bench, err)
	}
	return nil
}

// AuditHeads lists the heads recorded of the bench called name, in the
// order they arrived.
func (tx *Tx) AuditHeads(ctx context.Context, name string) ([]AuditHead, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "audit heads of "+name, func(rows *sql.Rows) (AuditHead, error) { return scanAuditHead(rows) },
		`SELECT bench, token_id, seq, hash, received_at, rewrite FROM audit_heads WHERE bench = ? ORDER BY id`, name)
}

// AuditBenches lists, by name, the benches whose audit heads the hub keeps.
func (tx *Tx) AuditBenches(ctx context.Context) ([]string, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "benches with audit heads", func(rows *sql.Rows) (name string, err error) {
		return name, rows.Scan(&name)
	}, `SELECT DISTINCT bench FROM audit_heads ORDER BY bench`)
}

func scanAuditHead(row interface{ Scan(...any) error }) (AuditHead, error) {
	var h AuditHead
	var at string
	if err := row.Scan(&h.Bench, &h.TokenID, &h.Seq, &h.Hash, &at, &h.Rewrite); err != nil {
		return AuditHead{}, err
	}
	t, err := dbtime.Parse(at)
	if err != nil {
		return AuditHead{}, fmt.Errorf("audit head %d of %s: %w", h.Seq, h.Bench, err)
	}
	h.ReceivedAt = t
	return h, nil
}
