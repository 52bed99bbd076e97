package webhook

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// claimCounter is a round's start func that keeps the claimed deliveries
// "in flight" (their slots held) until the test finishes them.
type claimCounter struct {
	mu   sync.Mutex
	jobs []hubdb.ClaimedWebhookDelivery
}

func (c *claimCounter) start(j hubdb.ClaimedWebhookDelivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.jobs = append(c.jobs, j)
}

// take returns how many deliveries each endpoint got since the last take.
func (c *claimCounter) take(names map[string]string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, j := range c.jobs {
		out[names[j.EndpointID]]++
	}
	c.jobs = nil
	return out
}

// TestEachEndpointHasItsOwnBudget drives rounds by hand, with attempts
// that never end until the test says so: an endpoint gets at most its
// budget of slots, a full endpoint does not take another's, and a freed
// slot is refilled from that endpoint's queue.
func TestEachEndpointHasItsOwnBudget(t *testing.T) {
	ctx := t.Context()
	clk := newFakeClock()
	d := stepDispatcher(t, tempDB(t), clk, Config{EndpointConcurrency: 2, MaxInFlight: 5, EventTypes: []string{"tradein.slow", "tradein.fast", "tradein.third"}})
	names := map[string]string{}
	for _, name := range []string{"slow", "fast", "third"} {
		ep, _, err := d.Register(ctx, "http://127.0.0.1:1/"+name, []string{"tradein." + name}, testSecret)
		require.NoError(t, err)
		names[ep.ID] = name
		clk.Advance(time.Millisecond)
	}
	publish := func(name string, n int) {
		for range n {
			require.NoError(t, d.Publish(ctx, "tradein."+name, nil))
		}
	}
	publish("slow", 5)
	clk.Advance(time.Millisecond)
	publish("fast", 1)

	c := &claimCounter{}
	n, next, err := d.round(ctx, c.start)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, map[string]int{"slow": 2, "fast": 1}, c.take(names), "slow gets its budget of 2, not all 5")
	assert.True(t, next.IsZero(), "the only queue with work left is full")

	n, _, err = d.round(ctx, c.start)
	require.NoError(t, err)
	assert.Zero(t, n, "slow is full and fast has nothing due")

	clk.Advance(time.Millisecond)
	publish("fast", 3)
	n, _, err = d.round(ctx, c.start)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, map[string]int{"fast": 1}, c.take(names), "fast's second slot, although slow waits longer")

	// The dispatcher's bound: 2 slow + 2 fast in flight, one slot left in all.
	clk.Advance(time.Millisecond)
	publish("third", 2)
	d.finished(idOf(names, "fast"))
	n, _, err = d.round(ctx, c.start)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, map[string]int{"fast": 1, "third": 1}, c.take(names), "MaxInFlight 5: the longest-waiting queue with a free slot goes first")

	d.finished(idOf(names, "slow"))
	n, _, err = d.round(ctx, c.start)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, map[string]int{"slow": 1}, c.take(names), "a freed slot goes back to its queue")

	d.finished(idOf(names, "third"))
	n, _, err = d.round(ctx, c.start)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, map[string]int{"third": 1}, c.take(names), "third's second delivery")

	// A queue with a free slot and only later deliveries sets the next
	// wake-up, even with its deliveries leased; full queues with due ones
	// (slow, fast) do not: an attempt ending wakes Run for those.
	d.finished(idOf(names, "third"))
	n, next, err = d.round(ctx, c.start)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 40, 6_000_000, time.UTC), next,
		"third's first lease, taken at 12:00:00.006 for the 10s timeout and 30s of slack")
}

func idOf(names map[string]string, name string) string {
	for id, n := range names {
		if n == name {
			return id
		}
	}
	return ""
}

// TestLeaseExpiresAfterCrash: a delivery claimed by a process that died
// before attempting it is due again once its lease ends, and is then
// delivered by the next process.
func TestLeaseExpiresAfterCrash(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clk := newFakeClock()
	rc := newReceiver(t, testSecret, nil)
	crashed := stepDispatcher(t, db, clk, Config{Timeout: 5 * time.Second})
	ep, _, err := crashed.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)
	require.NoError(t, crashed.Publish(ctx, EventTradeInReceived, nil))
	c := &claimCounter{}
	n, _, err := crashed.round(ctx, c.start) // claimed, then the process "dies"
	require.NoError(t, err)
	require.Equal(t, 1, n)

	next := stepDispatcher(t, db, clk, Config{Timeout: 5 * time.Second})
	n, err = next.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "leased by the dead process")
	clk.Advance(35*time.Second - time.Millisecond)
	n, err = next.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "the lease is the 5s timeout and 30s of slack")
	clk.Advance(time.Millisecond)
	n, err = next.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ds, err := next.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, StateDelivered, ds[0].State)
	assert.Equal(t, 1, ds[0].Attempts, "the claim that died is not an attempt")
	assert.Len(t, rc.requests(), 1)
}

// hanging is an endpoint that accepts the request and never answers.
func hanging(tb testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // the sender gave up
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// tbWriter writes a log into the test's output: a failed round must show.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// besideHanging is a running dispatcher with a healthy endpoint and one
// that never answers, with attempts timing out after 500ms: short, yet
// long enough for the healthy one on a loaded machine.
func besideHanging(tb testing.TB, db *hubdb.DB, healthy http.HandlerFunc) (d *Dispatcher, good, bad Endpoint) {
	tb.Helper()
	ctx := context.Background()
	rc := httptest.NewServer(healthy)
	tb.Cleanup(rc.Close)
	hang := hanging(tb)
	var err error
	d, err = New(db, Config{
		Logger:              slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelError})),
		AllowPrivateTargets: true, Timeout: 500 * time.Millisecond, EndpointConcurrency: 2,
		BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, MaxAttempts: 1000, PollInterval: time.Second,
	})
	require.NoError(tb, err)
	// The hanging one first: it is published to first and its queue is
	// the older one, the worst case for the healthy endpoint.
	bad, _, err = d.Register(ctx, hang.URL, nil, testSecret)
	require.NoError(tb, err)
	good, _, err = d.Register(ctx, rc.URL, nil, testSecret)
	require.NoError(tb, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	tb.Cleanup(func() {
		stop() // before the servers close: cancels the hanging requests
		<-done
	})
	return d, good, bad
}

// TestHealthyBesideHanging: 40 events go to an endpoint that never
// answers and to a healthy one. Every delivery to the healthy one is
// finished within 2s of its event's publication, by the outbox's own
// bookkeeping, while the hanging one's attempts time out and back off.
func TestHealthyBesideHanging(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	d, good, bad := besideHanging(t, db, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	for i := range 40 {
		require.NoError(t, d.Publish(ctx, EventTradeInReceived, map[string]int{"n": i}))
	}
	var ds []Delivery
	require.Eventually(t, func() bool {
		var err error
		ds, err = d.Deliveries(ctx, good.ID)
		require.NoError(t, err)
		return len(ds) == 40 && !slices.ContainsFunc(ds, func(dl Delivery) bool { return dl.State != StateDelivered })
	}, 20*time.Second, 10*time.Millisecond, "every delivery to the healthy endpoint ends")
	bound := 2 * time.Second
	if raceDetector {
		// The pace is then the instrumented SQLite writer's, a delivery
		// waiting for its claim and record transactions, not the hanging
		// endpoint's: the timeline logged on failure shows which.
		bound *= 4
	}
	var slowest time.Duration
	for _, dl := range ds {
		took := dl.FinishedAt.Sub(dl.CreatedAt)
		slowest = max(slowest, took)
		assert.LessOrEqual(t, took, bound, "delivery %d finished %s after publication", dl.ID, took)
	}
	t.Logf("slowest healthy delivery: %s after publication", slowest)
	if t.Failed() {
		for _, dl := range ds { // where the time went: waiting for a claim, or in the attempt
			t.Logf("delivery %d: published %s, attempt started +%s, took %dms, finished +%s", dl.ID, dl.CreatedAt.Format("15:04:05.000"),
				dl.Log[0].StartedAt.Sub(dl.CreatedAt), dl.Log[0].DurationMS, dl.FinishedAt.Sub(dl.CreatedAt))
		}
	}

	// Meanwhile the hanging endpoint held only its own two slots: its
	// attempts timed out and were put off like any failure.
	require.Eventually(t, func() bool {
		bds, err := d.Deliveries(ctx, bad.ID)
		require.NoError(t, err)
		return slices.ContainsFunc(bds, func(dl Delivery) bool { return len(dl.Log) > 0 })
	}, 10*time.Second, 10*time.Millisecond)
	bds, err := d.Deliveries(ctx, bad.ID)
	require.NoError(t, err)
	require.Len(t, bds, 40)
	for _, dl := range bds {
		assert.Equal(t, StatePending, dl.State)
		for _, a := range dl.Log {
			assert.Zero(t, a.StatusCode)
			assert.Contains(t, a.Error, "context deadline exceeded")
			assert.NotNil(t, a.RetryAt)
			assert.GreaterOrEqual(t, a.RetryAt.Sub(a.StartedAt), 500*time.Millisecond, "the timeout, then the backoff")
		}
	}
}

// BenchmarkHealthyBesideHanging measures how long an event takes from
// Publish to a healthy endpoint's handler while another endpoint never
// answers: p50 and p99 in milliseconds.
func BenchmarkHealthyBesideHanging(b *testing.B) {
	db, err := hubdb.Open(context.Background(), hubtest.DSN(b))
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	arrived := make(chan int, 1)
	d, _, _ := besideHanging(b, db, func(w http.ResponseWriter, r *http.Request) {
		var env struct{ Data struct{ N int } }
		if err := json.NewDecoder(r.Body).Decode(&env); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		arrived <- env.Data.N
	})
	ctx := context.Background()
	var latencies []time.Duration
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if err := d.Publish(ctx, EventTradeInReceived, map[string]int{"n": i}); err != nil {
			b.Fatal(err)
		}
		for n := range arrived {
			if n == i {
				break
			}
		}
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
