package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
)

// Secrets (enrollment codes, bench tokens, API keys) are random, shown once
// and stored only as their SHA-256: they carry 80 to 256 bits of entropy, so
// a plain hash is enough and lets a request be checked with one index lookup.

const (
	benchTokenPrefix = "ibt_"
	apiKeyPrefix     = "spk_live_"
)

func secretHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func randomToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// normaliseCode lets an operator type a code in any case, with or without
// its dashes and spaces.
func normaliseCode(c string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, c)
}

func checkScopes(scopes []string) error {
	if len(scopes) == 0 {
		return errors.New("no scopes")
	}
	for _, s := range scopes {
		if !wire.KnownScope(s) {
			return fmt.Errorf("unknown scope %q", s)
		}
	}
	return nil
}

// CreateEnrollment makes a one-time code that enrolls the bench called
// name with scopes until ttl has passed.
func (h *Hub) CreateEnrollment(ctx context.Context, name string, scopes []string, ttl time.Duration) (string, error) {
	if name == "" || len(name) > 128 {
		return "", errors.New("a bench needs a name of 1 to 128 bytes")
	}
	if err := checkScopes(scopes); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("an enrollment code needs a positive lifetime")
	}
	b := make([]byte, 10) // 80 bits, 16 characters of base32
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	raw := base32.StdEncoding.EncodeToString(b)
	code := raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
	now := h.now()
	err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		return tx.InsertEnrollment(ctx, name, secretHash(normaliseCode(code)), scopes, now, now.Add(ttl))
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// Enroll trades a one-time code for a bench token. A bench enrolled again
// (a new machine, a lost token) gets a new token and a new event stream; its
// earlier tokens stop working.
func (h *Hub) Enroll(ctx context.Context, code, bench string) (wire.EnrollResponse, error) {
	invalid := refuse(KindForbidden, wire.CodeEnrollmentInvalid,
		"The enrollment code is unknown, used, expired or for another bench: ask for a new one.")
	token, err := randomToken(benchTokenPrefix)
	if err != nil {
		return wire.EnrollResponse{}, err
	}
	var resp wire.EnrollResponse
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		e, err := tx.EnrollmentByCode(ctx, secretHash(normaliseCode(code)))
		if errors.Is(err, hubdb.ErrNotFound) {
			return invalid
		}
		if err != nil {
			return err
		}
		now := h.now()
		if e.Used || !now.Before(e.ExpiresAt) || e.Bench != bench {
			return invalid
		}
		if err := tx.UseEnrollment(ctx, e.ID, now); err != nil {
			return err
		}
		if _, err := tx.RevokeBenchTokens(ctx, e.Bench, now); err != nil {
			return err
		}
		if err := tx.InsertBenchToken(ctx, e.Bench, secretHash(token), e.Scopes, now); err != nil {
			return err
		}
		resp = wire.EnrollResponse{Bench: e.Bench, Token: token, Scopes: e.Scopes}
		return nil
	})
	return resp, err
}

// RevokeBench revokes every token of the bench called name. The bench keeps
// its local data; it can no longer sync until enrolled again.
func (h *Hub) RevokeBench(ctx context.Context, name string) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		n, err := tx.RevokeBenchTokens(ctx, name, h.now())
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("bench %s has no active enrollment: %w", name, ErrNotFound)
		}
		return nil
	})
}

// benchAuth is an authenticated bench: one enrollment, one event stream.
type benchAuth struct {
	tokenID int64
	bench   string
	scopes  []string
}

func (b benchAuth) has(scope string) bool { return slices.Contains(b.scopes, scope) }

func (h *Hub) authenticateBench(ctx context.Context, token string) (benchAuth, error) {
	var t hubdb.BenchToken
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		t, err = tx.BenchTokenByHash(ctx, secretHash(token))
		return err
	})
	switch {
	case errors.Is(err, hubdb.ErrNotFound):
		return benchAuth{}, refuse(KindUnauthorized, wire.CodeUnauthorized, "The bench token is missing or unknown: enroll the bench.")
	case err != nil:
		return benchAuth{}, err
	case t.Revoked:
		return benchAuth{}, refuse(KindUnauthorized, wire.CodeBenchRevoked,
			"Bench %s was revoked: its local data is kept, but it must be enrolled again to sync.", t.Bench)
	}
	return benchAuth{tokenID: t.ID, bench: t.Bench, scopes: t.Scopes}, nil
}

// APIKeySpec is what a new API key is made with.
type APIKeySpec struct {
	// Name says who or what holds the key, for people listing keys:
	// optional, up to 128 bytes.
	Name   string
	Scopes []string
	// TTL is how long the key works; 0 until it is revoked.
	TTL time.Duration
}

// APIKeyInfo is what the hub shows of a key: never the key itself.
type APIKeyInfo struct {
	ID   int64
	Name string
	// Prefix is the key's first characters, enough to tell keys apart and
	// recognise one in a config file, far too few to use; empty for keys
	// made before prefixes were kept.
	Prefix    string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: until revoked
	RevokedAt time.Time // zero: not revoked
}

// APIKeyState is whether a key works.
type APIKeyState string

// The states of a key.
const (
	APIKeyActive  APIKeyState = "active"
	APIKeyExpired APIKeyState = "expired"
	APIKeyRevoked APIKeyState = "revoked"
)

// State is the key's state at now.
func (k APIKeyInfo) State(now time.Time) APIKeyState {
	switch {
	case !k.RevokedAt.IsZero():
		return APIKeyRevoked
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return APIKeyExpired
	}
	return APIKeyActive
}

func apiKeyInfo(k hubdb.APIKey) APIKeyInfo {
	return APIKeyInfo{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: k.CreatedAt,
		ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt}
}

// apiKeyPrefixLen is how much of a key its listing shows: the fixed
// prefix and 8 random characters (48 of the key's 256 bits).
const apiKeyPrefixLen = len(apiKeyPrefix) + 8

// checkAPIKeySpec refuses a key that could not be listed or used.
func checkAPIKeySpec(s APIKeySpec) error {
	if err := checkScopes(s.Scopes); err != nil {
		return err
	}
	if len(s.Name) > 128 {
		return errors.New("an API key's name is at most 128 bytes")
	}
	for _, r := range s.Name {
		if r < ' ' || r == 0x7f {
			return errors.New("an API key's name holds control characters")
		}
	}
	if s.TTL < 0 {
		return errors.New("an API key's lifetime cannot be negative")
	}
	return nil
}

// CreateAPIKey makes a bearer key for the public API that works until it
// is revoked.
func (h *Hub) CreateAPIKey(ctx context.Context, scopes []string) (string, error) {
	key, _, err := h.IssueAPIKey(ctx, APIKeySpec{Scopes: scopes})
	return key, err
}

// IssueAPIKey makes a bearer key for the public API and returns it, shown
// this once: the hub keeps only its hash and prefix.
func (h *Hub) IssueAPIKey(ctx context.Context, s APIKeySpec) (string, APIKeyInfo, error) {
	if err := checkAPIKeySpec(s); err != nil {
		return "", APIKeyInfo{}, err
	}
	key, err := randomToken(apiKeyPrefix)
	if err != nil {
		return "", APIKeyInfo{}, err
	}
	now := h.now().UTC()
	k := hubdb.APIKey{Hash: secretHash(key), Name: s.Name, Prefix: key[:apiKeyPrefixLen], Scopes: s.Scopes, CreatedAt: now}
	if s.TTL > 0 {
		k.ExpiresAt = now.Add(s.TTL)
	}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) (err error) {
		k.ID, err = tx.InsertAPIKey(ctx, k)
		return err
	})
	if err != nil {
		return "", APIKeyInfo{}, err
	}
	return key, apiKeyInfo(k), nil
}

// ListAPIKeys returns every API key the hub knows, revoked and expired
// ones too, oldest first.
func (h *Hub) ListAPIKeys(ctx context.Context) ([]APIKeyInfo, error) {
	var keys []hubdb.APIKey
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		keys, err = tx.APIKeys(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	out := make([]APIKeyInfo, len(keys))
	for i, k := range keys {
		out[i] = apiKeyInfo(k)
	}
	return out, nil
}

// RevokeAPIKey revokes the key that ref names, by its id or by the prefix
// ListAPIKeys shows, and returns it. Revoking a revoked key changes
// nothing (RevokedAt stays when it was first revoked); a ref that names no
// key is ErrNotFound, one that names several an error asking for the id.
func (h *Hub) RevokeAPIKey(ctx context.Context, ref string) (APIKeyInfo, error) {
	var k hubdb.APIKey
	err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		var err error
		if k, err = findAPIKey(ctx, tx, ref); err != nil {
			return err
		}
		now := h.now().UTC()
		revoked, err := tx.RevokeAPIKey(ctx, k.ID, now)
		if revoked {
			k.RevokedAt = now
		}
		return err
	})
	if err != nil {
		return APIKeyInfo{}, err
	}
	return apiKeyInfo(k), nil
}

// findAPIKey finds the one key ref names: all digits is an id, anything
// else a prefix as listed.
func findAPIKey(ctx context.Context, tx *hubdb.Tx, ref string) (hubdb.APIKey, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		k, err := tx.APIKeyByID(ctx, id)
		if errors.Is(err, hubdb.ErrNotFound) {
			return hubdb.APIKey{}, fmt.Errorf("no API key has id %d: %w", id, ErrNotFound)
		}
		return k, err
	}
	if !strings.HasPrefix(ref, apiKeyPrefix) || len(ref) != apiKeyPrefixLen {
		// Not quoted back: it may be a whole key, pasted by mistake.
		return hubdb.APIKey{}, fmt.Errorf("that is neither an API key's id nor its prefix as listed (%s and 8 more characters): %w",
			apiKeyPrefix, ErrNotFound)
	}
	keys, err := tx.APIKeysByPrefix(ctx, ref)
	switch {
	case err != nil:
		return hubdb.APIKey{}, err
	case len(keys) == 0:
		return hubdb.APIKey{}, fmt.Errorf("no API key has prefix %s: %w", ref, ErrNotFound)
	case len(keys) > 1:
		return hubdb.APIKey{}, fmt.Errorf("%d API keys have prefix %s: revoke by id", len(keys), ref)
	}
	return keys[0], nil
}

// VerifyAPIKey returns the scopes of a public API key, or an error wrapping
// ErrUnauthorized for a key that is unknown, revoked or expired.
func (h *Hub) VerifyAPIKey(ctx context.Context, key string) ([]string, error) {
	k, err := h.AuthenticateAPIKey(ctx, key)
	return k.Scopes, err
}

// AuthenticateAPIKey is VerifyAPIKey with the key's record (never its
// secret), for what must name the key: an admin's steps in a trade-in's
// history.
func (h *Hub) AuthenticateAPIKey(ctx context.Context, key string) (APIKeyInfo, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return APIKeyInfo{}, fmt.Errorf("not an API key: %w", ErrUnauthorized)
	}
	var k hubdb.APIKey
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		k, err = tx.APIKeyByHash(ctx, secretHash(key))
		return err
	})
	if errors.Is(err, hubdb.ErrNotFound) {
		return APIKeyInfo{}, fmt.Errorf("unknown API key: %w", ErrUnauthorized)
	}
	if err != nil {
		return APIKeyInfo{}, fmt.Errorf("verify API key: %w", err)
	}
	// The messages name the key by its id, never by any of its text: they
	// end up in logs.
	switch apiKeyInfo(k).State(h.now()) {
	case APIKeyRevoked:
		return APIKeyInfo{}, fmt.Errorf("API key %d is revoked: %w", k.ID, ErrUnauthorized)
	case APIKeyExpired:
		return APIKeyInfo{}, fmt.Errorf("API key %d expired at %s: %w", k.ID, k.ExpiresAt.Format(time.RFC3339), ErrUnauthorized)
	}
	return apiKeyInfo(k), nil
}
