package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// genesisHash is the previous hash of the first audit entry.
var genesisHash = strings.Repeat("0", 64)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	Seq      int64
	At       string
	Operator string
	Bench    string
	Action   string
	Subject  string
	Reason   string
	Detail   string
	PrevHash string
	Hash     string
}

// entryHash chains an entry to the one before it. The fields are encoded as
// a JSON array so that no two different entries share an encoding.
func entryHash(e AuditEntry) string {
	b, _ := json.Marshal([]any{e.Seq, e.At, e.Operator, e.Bench, e.Action, e.Subject, e.Reason, e.Detail, e.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func appendAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e.Seq, e.PrevHash = 0, genesisHash
	case err != nil:
		return fmt.Errorf("read audit head: %w", err)
	}
	e.Seq++
	e.Hash = entryHash(e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (seq, at, operator, bench, action, subject, reason, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At, e.Operator, e.Bench, e.Action, e.Subject, e.Reason, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// ChainError is an audit log whose chain is broken at Seq.
type ChainError struct {
	Seq    int64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// VerifyAudit walks the whole audit log and checks every link of the chain.
// It returns the number of entries verified, or a *ChainError.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT seq, at, operator, bench, action, subject, reason, detail, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return 0, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	prev, want := genesisHash, int64(1)
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Operator, &e.Bench, &e.Action, &e.Subject, &e.Reason, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return want - 1, err
		}
		switch {
		case e.Seq != want:
			return want - 1, &ChainError{Seq: want, Reason: fmt.Sprintf("entry missing (next is %d)", e.Seq)}
		case e.PrevHash != prev:
			return want - 1, &ChainError{Seq: e.Seq, Reason: "previous hash does not match"}
		case entryHash(e) != e.Hash:
			return want - 1, &ChainError{Seq: e.Seq, Reason: "entry altered: hash does not match its content"}
		}
		prev, want = e.Hash, want+1
	}
	return want - 1, rows.Err()
}
