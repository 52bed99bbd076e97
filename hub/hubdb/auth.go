package hubdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
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

// APIKey is a public API key as the hub keeps it: never the key, only its
// hash and, to tell keys apart, its first characters.
type APIKey struct {
	ID        int64
	Hash      string
	Name      string
	Prefix    string // empty for keys made before prefixes were kept
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: the key works until revoked
	RevokedAt time.Time // zero: not revoked
}

// InsertAPIKey records a public API key by its hash and returns its id;
// k.ID and k.RevokedAt are not read.
func (tx *Tx) InsertAPIKey(ctx context.Context, k APIKey) (int64, error) {
	var expires any
	if !k.ExpiresAt.IsZero() {
		expires = dbtime.Format(k.ExpiresAt)
	}
	var id int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO api_keys (key_hash, name, prefix, scopes, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		k.Hash, k.Name, k.Prefix, strings.Join(k.Scopes, ","), dbtime.Format(k.CreatedAt), expires).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create API key: %w", err)
	}
	return id, nil
}

const apiKeyColumns = `id, key_hash, name, prefix, scopes, created_at, expires_at, revoked_at`

func scanAPIKey(rows interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var scopes, created string
	var expires, revoked sql.NullString
	if err := rows.Scan(&k.ID, &k.Hash, &k.Name, &k.Prefix, &scopes, &created, &expires, &revoked); err != nil {
		return APIKey{}, err
	}
	k.Scopes = strings.Split(scopes, ",")
	var errs [3]error
	k.CreatedAt, errs[0] = dbtime.Parse(created)
	if expires.Valid {
		k.ExpiresAt, errs[1] = dbtime.Parse(expires.String)
	}
	if revoked.Valid {
		k.RevokedAt, errs[2] = dbtime.Parse(revoked.String)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return APIKey{}, fmt.Errorf("API key %d: %w", k.ID, err)
	}
	return k, nil
}

// APIKeyByHash finds an API key by its hash, or ErrNotFound.
func (tx *Tx) APIKeyByHash(ctx context.Context, keyHash string) (APIKey, error) {
	k, err := scanAPIKey(tx.tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE key_hash = ?`, keyHash))
	if err := notFound(err, "API key"); err != nil {
		return APIKey{}, err
	}
	return k, nil
}

// APIKeyByID finds an API key by its id, or ErrNotFound.
func (tx *Tx) APIKeyByID(ctx context.Context, id int64) (APIKey, error) {
	k, err := scanAPIKey(tx.tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	if err := notFound(err, "API key %d", id); err != nil {
		return APIKey{}, err
	}
	return k, nil
}

// APIKeysByPrefix returns the keys whose stored prefix is prefix, by id:
// none for an empty prefix, which keys made before prefixes all have.
func (tx *Tx) APIKeysByPrefix(ctx context.Context, prefix string) ([]APIKey, error) {
	if prefix == "" {
		return nil, nil
	}
	return sqlitedb.QueryRows(ctx, tx.tx, "API keys "+prefix, func(rows *sql.Rows) (APIKey, error) { return scanAPIKey(rows) },
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE prefix = ? ORDER BY id`, prefix)
}

// APIKeys returns every API key, revoked and expired ones too, by id.
func (tx *Tx) APIKeys(ctx context.Context) ([]APIKey, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "API keys", func(rows *sql.Rows) (APIKey, error) { return scanAPIKey(rows) },
		`SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id`)
}

// RevokeAPIKey revokes a key at at and reports whether it did: a key
// revoked already keeps its first revocation time, and an unknown id is
// ErrNotFound.
func (tx *Tx) RevokeAPIKey(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, dbtime.Format(at), id)
	if err != nil {
		return false, fmt.Errorf("revoke API key %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("revoke API key %d: %w", id, err)
	}
	if n == 1 {
		return true, nil
	}
	known, err := tx.exists(ctx, "API key", `SELECT 1 FROM api_keys WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	if !known {
		return false, fmt.Errorf("API key %d: %w", id, ErrNotFound)
	}
	return false, nil
}
