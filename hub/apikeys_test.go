package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

func openHub(t *testing.T, now func() time.Time) *hub.Hub {
	t.Helper()
	h, err := hub.Open(context.Background(), hubtest.DSN(t), hub.Config{Now: now})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

// TestAPIKeyLifecycle makes keys, lists them, lets one expire and revokes
// the others by id and by prefix: each works until then and is refused
// after, and no listing ever shows a key.
func TestAPIKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h := openHub(t, clk.Now)

	pricing, info, err := h.IssueAPIKey(ctx, hub.APIKeySpec{Name: "pricing feed", Scopes: []string{wire.ScopePricingRead}, TTL: 48 * time.Hour})
	require.NoError(t, err)
	assert.Regexp(t, `^spk_live_[A-Za-z0-9_-]{43}$`, pricing)
	assert.Equal(t, hub.APIKeyInfo{ID: 1, Name: "pricing feed", Prefix: pricing[:17], Scopes: []string{"pricing:read"},
		CreatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)}, info)
	crm, err := h.CreateAPIKey(ctx, []string{wire.ScopeBuybackRead, wire.ScopeBuybackWrite})
	require.NoError(t, err)
	hooks, _, err := h.IssueAPIKey(ctx, hub.APIKeySpec{Name: "hooks", Scopes: []string{wire.ScopeWebhooks}})
	require.NoError(t, err)

	works := func(key string, scopes ...string) {
		t.Helper()
		got, err := h.VerifyAPIKey(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, scopes, got)
	}
	refused := func(key, why string) {
		t.Helper()
		_, err := h.VerifyAPIKey(ctx, key)
		require.ErrorIs(t, err, hub.ErrUnauthorized)
		assert.ErrorContains(t, err, why)
		assert.NotContains(t, err.Error(), key[9:17], "an error names a key by its id, never by its text")
	}
	works(pricing, "pricing:read")
	works(crm, "buyback:read", "buyback:write")
	works(hooks, "webhooks:write")

	clk.Advance(48*time.Hour - time.Nanosecond)
	works(pricing, "pricing:read")
	clk.Advance(time.Nanosecond)
	refused(pricing, "API key 1 expired at 2026-03-04T09:00:00Z")

	revoked, err := h.RevokeAPIKey(ctx, "2")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), revoked.RevokedAt)
	refused(crm, "API key 2 is revoked")
	works(hooks, "webhooks:write")
	clk.Advance(time.Minute)
	revoked, err = h.RevokeAPIKey(ctx, hooks[:17])
	require.NoError(t, err)
	assert.Equal(t, int64(3), revoked.ID, "revoked by prefix")
	refused(hooks, "API key 3 is revoked")
	again, err := h.RevokeAPIKey(ctx, "3")
	require.NoError(t, err)
	assert.Equal(t, revoked.RevokedAt, again.RevokedAt, "revoking again keeps the first revocation")

	keys, err := h.ListAPIKeys(ctx)
	require.NoError(t, err)
	var listed []string
	for _, k := range keys {
		listed = append(listed, fmt.Sprintf("%d %q %v %s expires %s revoked %s %s", k.ID, k.Name, k.Scopes,
			k.CreatedAt.Format(time.RFC3339), k.ExpiresAt.Format(time.RFC3339), k.RevokedAt.Format(time.RFC3339), k.State(clk.Now())))
		for _, key := range []string{pricing, crm, hooks} {
			assert.NotContains(t, fmt.Sprintf("%+v", k), key[17:], "a listing never shows a key beyond its prefix")
		}
	}
	assert.Equal(t, []string{
		`1 "pricing feed" [pricing:read] 2026-03-02T09:00:00Z expires 2026-03-04T09:00:00Z revoked 0001-01-01T00:00:00Z expired`,
		`2 "" [buyback:read buyback:write] 2026-03-02T09:00:00Z expires 0001-01-01T00:00:00Z revoked 2026-03-04T09:00:00Z revoked`,
		`3 "hooks" [webhooks:write] 2026-03-02T09:00:00Z expires 0001-01-01T00:00:00Z revoked 2026-03-04T09:01:00Z revoked`,
	}, listed)
	assert.Equal(t, []string{pricing[:17], crm[:17], hooks[:17]}, []string{keys[0].Prefix, keys[1].Prefix, keys[2].Prefix})
}

func TestAPIKeyRefusals(t *testing.T) {
	ctx := context.Background()
	h := openHub(t, nil)
	key, err := h.CreateAPIKey(ctx, []string{wire.ScopeBuybackRead})
	require.NoError(t, err)

	issue := []struct {
		name string
		spec hub.APIKeySpec
		want string
	}{
		{"no scopes", hub.APIKeySpec{}, "no scopes"},
		{"an unknown scope", hub.APIKeySpec{Scopes: []string{"root"}}, `unknown scope "root"`},
		{"a negative lifetime", hub.APIKeySpec{Scopes: []string{wire.ScopeBuybackRead}, TTL: -time.Second}, "lifetime cannot be negative"},
		{"a long name", hub.APIKeySpec{Name: strings.Repeat("n", 129), Scopes: []string{wire.ScopeBuybackRead}}, "at most 128 bytes"},
		{"a name with a newline", hub.APIKeySpec{Name: "a\nb", Scopes: []string{wire.ScopeBuybackRead}}, "control characters"},
	}
	for _, tc := range issue {
		t.Run("issue: "+tc.name, func(t *testing.T) {
			_, _, err := h.IssueAPIKey(ctx, tc.spec)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	revoke := []struct {
		name, ref, want string
	}{
		{"an unknown id", "99", "no API key has id 99"},
		{"an unknown prefix", "spk_live_00000000", "no API key has prefix spk_live_00000000"},
		{"a prefix too short", key[:12], "neither an API key's id nor its prefix"},
		{"the whole key", key, "neither an API key's id nor its prefix"},
		{"nothing", "", "neither an API key's id nor its prefix"},
	}
	for _, tc := range revoke {
		t.Run("revoke: "+tc.name, func(t *testing.T) {
			_, err := h.RevokeAPIKey(ctx, tc.ref)
			require.ErrorIs(t, err, hub.ErrNotFound)
			assert.ErrorContains(t, err, tc.want)
			assert.NotContains(t, err.Error(), key[9:17], "an error never repeats a key")
		})
	}
	_, err = h.VerifyAPIKey(ctx, key)
	assert.NoError(t, err, "no refused revocation touched the key")
	keys, err := h.ListAPIKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, hub.APIKeyActive, keys[0].State(time.Now()))
}
