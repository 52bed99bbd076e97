package hubdb

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// GrantKey returns the hub's key that signs supervisors' grants, made on
// first use. It lives in the hub's own database: whoever holds that holds
// the hub already.
func (tx *Tx) GrantKey(ctx context.Context) (ed25519.PrivateKey, error) {
	var seed string
	err := tx.tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'grant_key'`).Scan(&seed)
	if err == nil {
		b, err := hex.DecodeString(seed)
		if err != nil || len(b) != ed25519.SeedSize {
			return nil, fmt.Errorf("the stored grant key is malformed")
		}
		return ed25519.NewKeyFromSeed(b), nil
	}
	if err != sql.ErrNoRows {
		return nil, fmt.Errorf("read the grant key: %w", err)
	}
	b := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('grant_key', ?)`, hex.EncodeToString(b)); err != nil {
		return nil, fmt.Errorf("store the grant key: %w", err)
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// Secret returns the hub's random secret called name, made (size bytes)
// and kept in meta the first time it is asked for: the key that signs
// links in e-mails, for one.
func (tx *Tx) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	var stored string
	err := tx.tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, "secret:"+name).Scan(&stored)
	if err == nil {
		b, err := hex.DecodeString(stored)
		if err != nil || len(b) != size {
			return nil, fmt.Errorf("the stored %s is malformed", name)
		}
		return b, nil
	}
	if err != sql.ErrNoRows {
		return nil, fmt.Errorf("read the %s: %w", name, err)
	}
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, "secret:"+name, hex.EncodeToString(b)); err != nil {
		return nil, fmt.Errorf("store the %s: %w", name, err)
	}
	return b, nil
}

// NextNumber returns the next of a counter kept in meta, from 1.
func (tx *Tx) NextNumber(ctx context.Context, name string) (int64, error) {
	var n int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT) RETURNING CAST(value AS BIGINT)`, "counter:"+name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s: %w", name, err)
	}
	return n, nil
}
