package public

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Scopes the public API checks.
const (
	ScopeBuybackRead  = "buyback:read"  // seed 000 pricing lookup, reading quotes
	ScopeBuybackWrite = "buyback:write" // seed 000 quotes
	ScopePricingRead  = "pricing:read"  // seed 002 pricing intelligence ("paid tier")
	ScopeWebhooks     = "webhooks:write"
)

// KeyVerifier checks a bearer API key and returns its scopes. Any error
// means the key is not accepted: the API fails closed with 401 (and logs
// errors other than ErrInvalidKey, without the key).
type KeyVerifier interface {
	Verify(ctx context.Context, bearer string) (scopes []string, err error)
}

// ErrInvalidKey is what KeyStore.Verify returns for an unknown or revoked key.
var ErrInvalidKey = errors.New("public: invalid API key")

// KeyStore is a KeyVerifier over the public_api_keys table, for a hub that
// has no key system of its own, the demo and tests. Only a SHA-256 hash of
// each key is stored: keys are 128-bit random, so a fast hash is enough.
type KeyStore struct {
	db  *sql.DB
	now func() time.Time
}

// NewKeyStore returns a key store on db (after Migrate).
func NewKeyStore(db *sql.DB) *KeyStore { return &KeyStore{db: db, now: time.Now} }

// Create issues a key with scopes and returns its id and the key, which is
// shown this once and never stored.
func (k *KeyStore) Create(ctx context.Context, name string, scopes ...string) (id int64, key string, err error) {
	key = "spk_live_" + rand.Text()
	sc, err := json.Marshal(scopes)
	if err != nil {
		return 0, "", fmt.Errorf("create API key: %w", err)
	}
	res, err := k.db.ExecContext(ctx, `INSERT INTO public_api_keys(name, hash, scopes, created_at) VALUES (?, ?, ?, ?)`,
		name, hashKey(key), string(sc), k.now().UnixMilli())
	if err != nil {
		return 0, "", fmt.Errorf("create API key: %w", err)
	}
	id, err = res.LastInsertId()
	if err != nil {
		return 0, "", fmt.Errorf("create API key: %w", err)
	}
	return id, key, nil
}

// Revoke disables a key by id.
func (k *KeyStore) Revoke(ctx context.Context, id int64) error {
	if _, err := k.db.ExecContext(ctx, `UPDATE public_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, k.now().UnixMilli(), id); err != nil {
		return fmt.Errorf("revoke API key %d: %w", id, err)
	}
	return nil
}

// Verify implements KeyVerifier.
func (k *KeyStore) Verify(ctx context.Context, bearer string) ([]string, error) {
	var sc string
	err := k.db.QueryRowContext(ctx, `SELECT scopes FROM public_api_keys WHERE hash = ? AND revoked_at IS NULL`, hashKey(bearer)).Scan(&sc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvalidKey
	}
	if err != nil {
		return nil, fmt.Errorf("verify API key: %w", err)
	}
	var scopes []string
	if err := json.Unmarshal([]byte(sc), &scopes); err != nil {
		return nil, fmt.Errorf("verify API key: scopes: %w", err)
	}
	return scopes, nil
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
