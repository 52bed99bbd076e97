package public

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/intakebench/intakebench/internal/httpx"
	"github.com/intakebench/intakebench/internal/retryafter"
)

// Scopes the public API checks.
const (
	ScopeBuybackRead  = "buyback:read"  // seed 000 pricing lookup, reading quotes
	ScopeBuybackWrite = "buyback:write" // seed 000 quotes
	ScopePricingRead  = "pricing:read"  // seed 002 pricing intelligence ("paid tier")
	ScopeWebhooks     = "webhooks:write"
)

// KeyVerifier checks a bearer API key and returns its scopes. Any error
// means the key is not accepted: the API fails closed with 401. An error
// wrapping ErrInvalidKey is a key that is unknown or revoked; any other is
// logged (without the key) as a failure to verify.
type KeyVerifier interface {
	Verify(ctx context.Context, bearer string) (scopes []string, err error)
}

// ErrInvalidKey is what a KeyVerifier wraps for an unknown or revoked key.
var ErrInvalidKey = errors.New("public: invalid API key")

// auth checks the bearer key, its scope and its rate limit before h.
func (a *API) auth(scope string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		bearer = strings.TrimSpace(bearer)
		if !ok || bearer == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			httpx.WriteError(w, http.StatusUnauthorized, codeUnauthorized, "missing bearer API key")
			return
		}
		scopes, err := a.keys.Verify(r.Context(), bearer)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				a.log.ErrorContext(r.Context(), "API key verification failed", "err", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
			httpx.WriteError(w, http.StatusUnauthorized, codeUnauthorized, "invalid API key")
			return
		}
		if !slices.Contains(scopes, scope) {
			httpx.WriteError(w, http.StatusForbidden, codeForbidden, "this API key lacks the "+scope+" scope")
			return
		}
		// Buckets are keyed by the key's hash so that no key sits in memory;
		// only verified keys get one, so strangers cannot grow the set.
		if ok, wait := a.limiter.Allow(hashKey(bearer), a.now()); !ok {
			secs := retryafter.Seconds(wait)
			w.Header().Set("Retry-After", secs)
			httpx.WriteError(w, http.StatusTooManyRequests, codeRateLimit, "rate limit exceeded; retry in "+secs+" s")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
