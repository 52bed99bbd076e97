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
