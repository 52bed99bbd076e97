package hubdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
)

// Secrets (enrollment codes, bench tokens, API keys) reach this layer only
// as their hashes.

// Enrollment is a one-time code that enrolls a bench.
type Enrollment struct {
	ID        int64
	Bench     string
	Scopes    []string
	ExpiresAt time.Time
	Used      bool
}

// InsertEnrollment records an enrollment code by its hash.
func (tx *Tx) InsertEnrollment(ctx context.Context, bench, codeHash string, scopes []string, created, expires time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO enrollments (bench, code_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		bench, codeHash, strings.Join(scopes, ","), dbtime.Format(created), dbtime.Format(expires)); err != nil {
		return fmt.Errorf("create enrollment of %s: %w", bench, err)
	}
	return nil
}

// EnrollmentByCode finds an enrollment by its code's hash, or ErrNotFound.
func (tx *Tx) EnrollmentByCode(ctx context.Context, codeHash string) (Enrollment, error) {
	var e Enrollment
	var scopes, expires string
	var used sql.NullString
	err := tx.tx.QueryRowContext(ctx, `SELECT id, bench, scopes, expires_at, used_at FROM enrollments WHERE code_hash = ?`, codeHash).
		Scan(&e.ID, &e.Bench, &scopes, &expires, &used)
	if err := notFound(err, "enrollment"); err != nil {
		return Enrollment{}, err
	}
	e.Scopes, e.Used = strings.Split(scopes, ","), used.Valid
	e.ExpiresAt, err = dbtime.Parse(expires)
	return e, err
}

// UseEnrollment marks an enrollment used.
func (tx *Tx) UseEnrollment(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE enrollments SET used_at = ? WHERE id = ?`, dbtime.Format(at), id)
	return err
}

// BenchToken is one enrollment of a bench: its token and event stream.
type BenchToken struct {
	ID      int64
	Bench   string
	Scopes  []string
	Revoked bool
	LastSeq int64 // the last sequence number applied, 0 before the first
}

// InsertBenchToken records a bench's new token by its hash.
func (tx *Tx) InsertBenchToken(ctx context.Context, bench, tokenHash string, scopes []string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO bench_tokens (bench, token_hash, scopes, created_at) VALUES (?, ?, ?, ?)`,
		bench, tokenHash, strings.Join(scopes, ","), dbtime.Format(at)); err != nil {
		return fmt.Errorf("create token of %s: %w", bench, err)
	}
	return nil
}

// RevokeBenchTokens revokes every live token of a bench and returns how
// many it revoked.
func (tx *Tx) RevokeBenchTokens(ctx context.Context, bench string, at time.Time) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE bench_tokens SET revoked_at = ? WHERE bench = ? AND revoked_at IS NULL`, dbtime.Format(at), bench)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of %s: %w", bench, err)
	}
	return res.RowsAffected()
}

// BenchTokenByHash finds a token by its hash, or ErrNotFound.
func (tx *Tx) BenchTokenByHash(ctx context.Context, tokenHash string) (BenchToken, error) {
	return tx.benchToken(ctx, `token_hash = ?`, tokenHash)
}

// BenchTokenByID finds a token by its id, or ErrNotFound.
func (tx *Tx) BenchTokenByID(ctx context.Context, id int64) (BenchToken, error) {
	return tx.benchToken(ctx, `id = ?`, id)
}

func (tx *Tx) benchToken(ctx context.Context, where string, arg any) (BenchToken, error) {
	var b BenchToken
	var scopes string
	var revoked sql.NullString
	err := tx.tx.QueryRowContext(ctx, `SELECT id, bench, scopes, revoked_at, last_seq FROM bench_tokens WHERE `+where, arg).
		Scan(&b.ID, &b.Bench, &scopes, &revoked, &b.LastSeq)
	if err := notFound(err, "bench token"); err != nil {
		return BenchToken{}, err
	}
	b.Scopes, b.Revoked = strings.Split(scopes, ","), revoked.Valid
	return b, nil
}

// SetLastSeq records the last sequence number applied from a token's stream.
func (tx *Tx) SetLastSeq(ctx context.Context, tokenID, seq int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE bench_tokens SET last_seq = ? WHERE id = ?`, seq, tokenID); err != nil {
		return fmt.Errorf("advance the stream of token %d: %w", tokenID, err)
	}
	return nil
}

// InsertAPIKey records a public API key by its hash.
func (tx *Tx) InsertAPIKey(ctx context.Context, keyHash string, scopes []string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO api_keys (key_hash, scopes, created_at) VALUES (?, ?, ?)`,
		keyHash, strings.Join(scopes, ","), dbtime.Format(at)); err != nil {
		return fmt.Errorf("create API key: %w", err)
	}
	return nil
}

// APIKey is a public API key as the hub keeps it.
type APIKey struct {
	Scopes  []string
	Revoked bool
}

// APIKeyByHash finds an API key by its hash, or ErrNotFound.
func (tx *Tx) APIKeyByHash(ctx context.Context, keyHash string) (APIKey, error) {
	var scopes string
	var revoked sql.NullString
	err := tx.tx.QueryRowContext(ctx, `SELECT scopes, revoked_at FROM api_keys WHERE key_hash = ?`, keyHash).Scan(&scopes, &revoked)
	if err := notFound(err, "API key"); err != nil {
		return APIKey{}, err
	}
	return APIKey{Scopes: strings.Split(scopes, ","), Revoked: revoked.Valid}, nil
}
