package benchsync_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// TestBenchesOfTwoSites syncs real benches of two sites against the real
// hub: each caches its own site's trade-ins and operators and those of no
// site; a trade-in transferred to the other site leaves the first bench's
// cache and reaches the second's; a bench moved to the other site resyncs
// and keeps nothing of its old one.
func TestBenchesOfTwoSites(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 4})
	ctx := context.Background()
	for _, s := range []hub.SiteInput{{ID: "leeds-wh", Name: "Leeds warehouse", Kind: "warehouse"}, {ID: "soho", Name: "Soho store", Kind: "store"}} {
		_, err := h.CreateSite(ctx, s)
		require.NoError(t, err)
	}
	type bench struct {
		st     *store.Store
		engine *benchsync.Engine
	}
	newBench := func(name, site string) bench {
		st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		client, err := benchsync.NewClient(h.URL, h.Enroll(t, name), benchsync.WithRequestTimeout(5*time.Second))
		require.NoError(t, err)
		require.NoError(t, h.AssignBench(ctx, name, site))
		return bench{st, benchsync.New(st, client, name)}
	}
	leeds, soho := newBench("bench-leeds", "leeds-wh"), newBench("bench-soho", "soho")
	require.NoError(t, h.AssignTradeIn(ctx, tradeInID(1), "leeds-wh"))
	require.NoError(t, h.AssignTradeIn(ctx, tradeInID(2), "soho"))
	require.NoError(t, h.AssignOperator(ctx, "op-clerk-1", "soho"))

	// held lists which of the seeded trade-ins and operators a bench caches.
	held := func(b bench) []string {
		t.Helper()
		_, err := b.engine.RunOnce(ctx)
		require.NoError(t, err)
		var out []string
		for i := 1; i <= 4; i++ {
			_, err := b.st.TradeIn(ctx, tradeInID(i))
			if err == nil {
				out = append(out, tradeInID(i))
			} else {
				require.ErrorIs(t, err, intake.ErrNotFound)
			}
		}
		for _, op := range []string{"op-tech-1", "op-clerk-1", "op-super-1"} {
			if _, err := b.st.CredentialByID(ctx, op); err == nil {
				out = append(out, op)
			}
		}
		return out
	}
	assert.Equal(t, []string{"ti-00000001", "ti-00000003", "ti-00000004", "op-tech-1", "op-super-1"}, held(leeds))
	assert.Equal(t, []string{"ti-00000002", "ti-00000003", "ti-00000004", "op-tech-1", "op-clerk-1", "op-super-1"}, held(soho))

	require.NoError(t, h.AssignTradeIn(ctx, tradeInID(1), "soho"))
	assert.Equal(t, []string{"ti-00000003", "ti-00000004", "op-tech-1", "op-super-1"}, held(leeds), "the transfer left Leeds")
	assert.Equal(t, []string{"ti-00000001", "ti-00000002", "ti-00000003", "ti-00000004", "op-tech-1", "op-clerk-1", "op-super-1"}, held(soho))

	require.NoError(t, h.AssignTradeIn(ctx, tradeInID(3), "leeds-wh"))
	require.NoError(t, h.AssignBench(ctx, "bench-soho", "leeds-wh"))
	assert.Equal(t, []string{"ti-00000003", "ti-00000004", "op-tech-1", "op-super-1"}, held(soho),
		"moved to Leeds, the bench resyncs and keeps nothing of Soho's")
}
