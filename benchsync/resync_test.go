package benchsync_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestInterruptedResyncKeepsTheBenchMatching expires a bench's cursor, then
// takes the hub away after the resync's first pages. The bench keeps
// matching every device it knew (nothing of its cache was dropped to make
// room for the resync) and, once the hub is back, finishes the resync where
// it stopped and drops what the hub no longer holds.
func TestInterruptedResyncKeepsTheBenchMatching(t *testing.T) {
	const tradeIns = 40
	h := hubtest.New(t, hubtest.Config{TradeIns: tradeIns})
	ctx := context.Background()

	// The hub behind a proxy that can stop answering change pages.
	target, err := url.Parse(h.URL)
	require.NoError(t, err)
	var pagesLeft atomic.Int64
	pagesLeft.Store(1 << 30)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/changes" && pagesLeft.Add(-1) < 0 {
			http.Error(w, "the hub is down", http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	b := newBench(t, h, "b1", front.URL, benchsync.WithBatch(500, 5))
	b.sync(t)
	requireConverged(t, h, b, tradeIns)

	// While the bench is away a flag is cleared and its tombstone
	// compacted: the bench's cursor expires.
	flagged := intake.Flag{IMEI: "353918050000005", Kind: intake.FlagBlacklisted, Reason: "stolen", Since: time.Now().UTC()}
	require.NoError(t, h.PutFlags(ctx, []hub.RegistryEntry{{Flag: flagged}}))
	b.sync(t)
	require.NoError(t, h.ClearFlags(ctx, []string{flagged.IMEI}))
	_, err = h.CompactChanges(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)

	// The 410, then two pages of the resync, then the hub is gone.
	pagesLeft.Store(3)
	_, err = b.engine.RunOnce(ctx)
	require.Error(t, err, "the hub went away during the resync")
	cursor, err := b.store.Cursor(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, cursor, "the pages read before the hub went away are kept")

	for _, ti := range h.Receivable(t) {
		m, err := b.svc.Lookup(ctx, ti.IMEI)
		require.NoError(t, err)
		assert.Equal(t, intake.OutcomeMatched, m.Outcome, "%s still matches halfway through the resync", ti.Reference)
	}
	requireConverged(t, h, b, tradeIns)

	pagesLeft.Store(1 << 30)
	b.sync(t)
	_, ok, err := b.store.FlagFor(ctx, flagged.IMEI)
	require.NoError(t, err)
	assert.False(t, ok, "the finished resync dropped the cleared flag")
	requireConverged(t, h, b, tradeIns)
	assert.False(t, b.sync(t).Resynced, "the new cursor is good")
}
