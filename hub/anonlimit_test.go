package hub_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestBadTokensAreLimitedPerAddress: every unknown token costs the hub a
// lookup and tells a guesser something, so failed authentications from one
// address share a small bucket. Enrolled benches behind the same address (a
// store's NAT, here loopback) must not pay for them, nor spend it.
func TestBadTokensAreLimitedPerAddress(t *testing.T) {
	const burst = 3
	// Refilling once every 100 s: nothing refills while the test runs.
	h := hubtest.New(t, hubtest.Config{Server: []hub.ServerOption{hub.WithAnonymousRateLimit(0.01, burst)}})
	b := enrollBench(t, h, "bench-1")
	changes := h.URL + "/v1/changes?limit=1"

	for i := range 2 * burst {
		a := call(t, http.MethodGet, changes, b.token, nil)
		require.Equal(t, http.StatusOK, a.status, "request %d of an enrolled bench: %s", i+1, a.body)
	}

	// A new token each time: the bucket is the address's, not the token's.
	for i := range burst {
		a := call(t, http.MethodGet, changes, fmt.Sprintf("ibt_unknown%d", i), nil)
		assert.Equal(t, http.StatusUnauthorized, a.status, "bad token %d is within the burst", i+1)
		assert.Equal(t, "unauthorized", a.problem(t).Code)
	}
	for _, tt := range []struct{ name, method, path, token string }{
		{"another unknown token", http.MethodGet, "/v1/changes", "ibt_unknown-next"},
		{"another endpoint", http.MethodPost, "/v1/events", "ibt_unknown-push"},
		{"no token at all", http.MethodGet, "/v1/changes", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, tt.method, h.URL+tt.path, tt.token, nil)
			assert.Equal(t, http.StatusTooManyRequests, a.status)
			assert.Equal(t, "rate_limited", a.problem(t).Code)
			secs, err := strconv.Atoi(a.header.Get("Retry-After"))
			require.NoError(t, err, "Retry-After %q", a.header.Get("Retry-After"))
			assert.GreaterOrEqual(t, secs, 1)
		})
	}

	a := call(t, http.MethodGet, changes, b.token, nil)
	assert.Equal(t, http.StatusOK, a.status, "the enrolled bench at the same address goes on: %s", a.body)
}
