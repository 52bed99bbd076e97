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

// CreateAPIKey makes a bearer key for the public API.
func (h *Hub) CreateAPIKey(ctx context.Context, scopes []string) (string, error) {
	if err := checkScopes(scopes); err != nil {
		return "", err
	}
	key, err := randomToken(apiKeyPrefix)
	if err != nil {
		return "", err
	}
	if err := h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.InsertAPIKey(ctx, secretHash(key), scopes, h.now()) }); err != nil {
		return "", err
	}
	return key, nil
}

// VerifyAPIKey returns the scopes of a public API key, or an error wrapping
// ErrUnauthorized for a key that is unknown or revoked.
func (h *Hub) VerifyAPIKey(ctx context.Context, key string) ([]string, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return nil, fmt.Errorf("not an API key: %w", ErrUnauthorized)
	}
	var k hubdb.APIKey
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		k, err = tx.APIKeyByHash(ctx, secretHash(key))
		return err
	})
	switch {
	case errors.Is(err, hubdb.ErrNotFound):
		return nil, fmt.Errorf("unknown API key: %w", ErrUnauthorized)
	case err != nil:
		return nil, fmt.Errorf("verify API key: %w", err)
	case k.Revoked:
		return nil, fmt.Errorf("revoked API key: %w", ErrUnauthorized)
	}
	return k.Scopes, nil
}
