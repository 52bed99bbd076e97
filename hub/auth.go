package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
)

// Secrets (enrollment codes, bench tokens, API keys) are random, shown once
// and stored only as their SHA-256: they carry 80 to 256 bits of entropy, so
// a plain hash is enough and lets a request be checked with one index lookup.

// ErrUnauthorized is a missing, unknown or revoked credential.
var ErrUnauthorized = errors.New("unauthorized")

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
	err := h.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO enrollments (bench, code_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			name, secretHash(normaliseCode(code)), strings.Join(scopes, ","), formatTime(now), formatTime(now.Add(ttl)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create enrollment of %s: %w", name, err)
	}
	return code, nil
}

// Enroll trades a one-time code for a bench token. A bench enrolled again
// (a new machine, a lost token) gets a new token and a new event stream; its
// earlier tokens stop working.
func (h *Hub) Enroll(ctx context.Context, code, bench string) (wire.EnrollResponse, error) {
	invalid := problem(http.StatusForbidden, wire.CodeEnrollmentInvalid,
		"The enrollment code is unknown, used, expired or for another bench: ask for a new one.")
	token, err := randomToken(benchTokenPrefix)
	if err != nil {
		return wire.EnrollResponse{}, err
	}
	var resp wire.EnrollResponse
	err = h.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var name, scopes, expires string
		var used sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT id, bench, scopes, expires_at, used_at FROM enrollments WHERE code_hash = ?`,
			secretHash(normaliseCode(code))).Scan(&id, &name, &scopes, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid
		}
		if err != nil {
			return err
		}
		exp, err := parseTime(expires)
		if err != nil {
			return err
		}
		if used.Valid || !h.now().Before(exp) || name != bench {
			return invalid
		}
		now := formatTime(h.now())
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET used_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bench_tokens SET revoked_at = ? WHERE bench = ? AND revoked_at IS NULL`, now, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_tokens (bench, token_hash, scopes, created_at) VALUES (?, ?, ?, ?)`,
			name, secretHash(token), scopes, now); err != nil {
			return err
		}
		resp = wire.EnrollResponse{Bench: name, Token: token, Scopes: strings.Split(scopes, ",")}
		return nil
	})
	return resp, err
}

// RevokeBench revokes every token of the bench called name. The bench keeps
// its local data; it can no longer sync until enrolled again.
func (h *Hub) RevokeBench(ctx context.Context, name string) error {
	return h.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bench_tokens SET revoked_at = ? WHERE bench = ? AND revoked_at IS NULL`,
			formatTime(h.now()), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
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
	var a benchAuth
	var scopes string
	var revoked sql.NullString
	err := h.read.QueryRowContext(ctx, `SELECT id, bench, scopes, revoked_at FROM bench_tokens WHERE token_hash = ?`,
		secretHash(token)).Scan(&a.tokenID, &a.bench, &scopes, &revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return a, problem(http.StatusUnauthorized, wire.CodeUnauthorized, "The bench token is missing or unknown: enroll the bench.")
	case err != nil:
		return a, err
	case revoked.Valid:
		return a, problem(http.StatusUnauthorized, wire.CodeBenchRevoked,
			fmt.Sprintf("Bench %s was revoked: its local data is kept, but it must be enrolled again to sync.", a.bench))
	}
	a.scopes = strings.Split(scopes, ",")
	return a, nil
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
	err = h.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (key_hash, scopes, created_at) VALUES (?, ?, ?)`,
			secretHash(key), strings.Join(scopes, ","), formatTime(h.now()))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create API key: %w", err)
	}
	return key, nil
}

// VerifyAPIKey returns the scopes of a public API key, or an error wrapping
// ErrUnauthorized for a key that is unknown or revoked.
func (h *Hub) VerifyAPIKey(ctx context.Context, key string) ([]string, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return nil, fmt.Errorf("not an API key: %w", ErrUnauthorized)
	}
	var scopes string
	var revoked sql.NullString
	err := h.read.QueryRowContext(ctx, `SELECT scopes, revoked_at FROM api_keys WHERE key_hash = ?`, secretHash(key)).Scan(&scopes, &revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("unknown API key: %w", ErrUnauthorized)
	case err != nil:
		return nil, fmt.Errorf("verify API key: %w", err)
	case revoked.Valid:
		return nil, fmt.Errorf("revoked API key: %w", ErrUnauthorized)
	}
	return strings.Split(scopes, ","), nil
}
