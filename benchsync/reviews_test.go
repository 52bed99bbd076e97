package benchsync_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// TestOneReviewQueueAcrossBenches: bench A reroutes a cracked device with
// a photo; bench B's supervisor sees it in B's queue, pulled with the rest,
// with A's name and the photo as A took it, declines it, and once B has
// synced the hub has the trade-in declined and A's queue, pulled again, no
// longer lists it.
func TestOneReviewQueueAcrossBenches(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 20})
	ctx := context.Background()
	a, b := newBench(t, h, "bench-a", h.URL), newBench(t, h, "bench-b", h.URL)
	a.sync(t)
	b.sync(t)
	var ti intake.TradeIn
	for _, r := range h.Receivable(t) {
		if r.Disclosed > intake.ConditionPoor {
			ti = r
			break
		}
	}
	require.NotEmpty(t, ti.ID, "a trade-in disclosed better than a cracked screen")

	// Bench A: received, photographed, graded with a cracked screen: rerouted.
	_, err := a.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)
	photo := jpegPhoto(t, 7)
	p, err := a.svc.AddPhoto(ctx, tech, ti.ID, "front", photo)
	require.NoError(t, err)
	g, err := a.svc.RecordGrading(ctx, tech, ti.ID, crackedScreen())
	require.NoError(t, err)
	require.True(t, g.Decision.Reroute)
	assert.Equal(t, 4, a.sync(t).Applied, "received, photo, graded, rerouted")

	// Bench B pulls the one queue: A's reroute, photo and all.
	b.sync(t)
	queue, err := b.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1)
	got := queue[0]
	assert.Equal(t, ti.ID, got.TradeIn.ID)
	assert.True(t, got.Remote, "bench B holds no unit of it")
	assert.Equal(t, "bench-a", got.Grading.Bench, "rerouted at bench A")
	assert.Equal(t, intake.UnitRerouted, got.State)
	assert.Empty(t, got.TradeIn.Customer.Email, "what no bench screen shows is not kept")
	require.Len(t, got.Photos, 1)
	assert.Equal(t, p.SHA256, got.Photos[0].SHA256)

	_, err = b.store.PhotoData(ctx, p.SHA256)
	require.ErrorIs(t, err, intake.ErrNotFound, "photos are fetched when looked at, not with the queue")
	shared := benchsync.SharedQueue{Store: b.store, Hub: func() *benchsync.Client { return b.client }}
	data, err := shared.PhotoData(ctx, got.Photos[0].SHA256)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	assert.Equal(t, p.SHA256, hex.EncodeToString(sum[:]))
	assert.Equal(t, photo, data, "the photo as bench A took it")
	kept, err := b.store.PhotoData(ctx, p.SHA256)
	require.NoError(t, err)
	assert.Equal(t, photo, kept, "and kept at bench B")

	// B's supervisor, logged in with the hub's grant, declines it.
	login := intake.NewLogin(b.store, time.Now).WithGrants(benchsync.Granter{Client: b.client})
	supervisor, err := login.ByPIN(ctx, "op-super-1", "333333")
	require.NoError(t, err)
	require.NotNil(t, supervisor.Session)
	d, err := b.svc.Decide(ctx, b.store, supervisor, ti.ID, intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "crack not disclosed"})
	require.NoError(t, err)
	assert.Equal(t, "bench-b", d.Bench)
	_, err = b.svc.Decide(ctx, b.store, supervisor, ti.ID, intake.DecisionRequest{Kind: intake.DecideOverride, Reason: "twice"})
	assert.ErrorContains(t, err, "not waiting for a supervisor", "decided once")
	queue, err = b.store.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue, "decided here")

	sum2 := b.sync(t)
	assert.Equal(t, 1, sum2.Applied, "the decision, through the outbox")
	assert.Zero(t, sum2.Rejected)
	hubTI, err := h.TradeIn(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusDeclined, hubTI.Status)

	// Bench A: once it has pulled, its queue no longer lists the unit the
	// supervisor at B decided.
	queue, err = a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1, "before the pull, A's own unit waits")
	a.sync(t)
	queue, err = a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue, "decided at bench B")
	state, err := a.store.UnitState(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitRerouted, state, "the pull does not touch A's unit")
}

// A supervisor at another bench asking for more photos shows at the bench
// holding the device, once it has pulled.
func TestMorePhotosAskedElsewhereShowsAtTheBench(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 20})
	ctx := context.Background()
	a, b := newBench(t, h, "bench-a", h.URL), newBench(t, h, "bench-b", h.URL)
	a.sync(t)
	b.sync(t)
	var ti intake.TradeIn
	for _, r := range h.Receivable(t) {
		if r.Disclosed > intake.ConditionPoor {
			ti = r
			break
		}
	}
	_, err := a.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)
	_, err = a.svc.RecordGrading(ctx, tech, ti.ID, crackedScreen())
	require.NoError(t, err)
	a.sync(t)
	b.sync(t)
	supervisor, err := intake.NewLogin(b.store, time.Now).WithGrants(benchsync.Granter{Client: b.client}).ByPIN(ctx, "op-super-1", "333333")
	require.NoError(t, err)
	_, err = b.svc.Decide(ctx, b.store, supervisor, ti.ID, intake.DecisionRequest{Kind: intake.DecideMorePhotos, Reason: "frame not visible"})
	require.NoError(t, err)
	b.sync(t)

	a.sync(t)
	queue, err := a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1)
	assert.Equal(t, intake.UnitPhotosRequested, queue[0].State)
	assert.False(t, queue[0].Remote, "A's own unit")
	b.sync(t)
	queue, err = b.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1, "still waiting, at B too")
	assert.Equal(t, intake.UnitPhotosRequested, queue[0].State)
}

// What a hub sends is checked before anything of it is kept: a page with
// a broken or hostile review or quarantine is refused whole (its cases are
// wire's), and a photo must hash to its name.
func TestReviewQueueAnswersThatAreRefused(t *testing.T) {
	const sha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	t.Run("a review that does not wait", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"next_cursor":"x.2","has_more":false,"changes":[{"seq":1,"entity":"tradein","op":"upsert","id":"ti-1","trade_in":` +
				tradeInJSON + `},{"seq":2,"entity":"review","op":"upsert","id":"ti-1","review":{"tradein_id":"ti-1","state":"declined","grading":{"bench":"bench-a"}}}]}`))
		}))
		defer srv.Close()
		c, err := benchsync.NewClient(srv.URL, "token")
		require.NoError(t, err)
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bench.db"))
		require.NoError(t, err)
		defer st.Close()
		_, err = benchsync.New(st, c, "bench-b", benchsync.WithRetry(1, time.Millisecond, time.Millisecond)).RunOnce(context.Background())
		var re *benchsync.ResponseError
		require.ErrorAs(t, err, &re)
		assert.ErrorContains(t, err, `change 1 (seq 2): trade-in "ti-1" is "declined", not waiting for a supervisor`)
		n, err := st.CountTradeIns(context.Background())
		require.NoError(t, err)
		assert.Zero(t, n, "nothing of the page is kept")
	})
	t.Run("a blob that is not what it is named", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write([]byte("not the photo"))
		}))
		defer srv.Close()
		c, err := benchsync.NewClient(srv.URL, "token")
		require.NoError(t, err)
		_, _, err = c.Blob(context.Background(), sha)
		assert.EqualError(t, err, "fetch photo: the hub's answer is unusable: content does not hash to "+sha)
	})
}

const tradeInJSON = `{"id":"ti-1","reference":"TI-1","status":"inspected","imei":"356938035643809","offer":32000,"updated_at":"2026-11-01T00:00:00Z"}`

// The review screen's fetch is a sync: what a supervisor at another bench
// did reaches this bench's store when FetchQueue returns, offline the
// queue and the quarantine shelf stay as last pulled, and a bench that
// does not sync says so at once.
func TestFetchQueueSyncsAndTheShelfStaysOffline(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 20})
	ctx := context.Background()
	a := newBench(t, h, "bench-a", h.URL)
	b := newBench(t, h, "bench-b", h.URL, benchsync.WithInterval(time.Hour))
	a.sync(t)
	shared := benchsync.SharedQueue{Store: b.store, Hub: func() *benchsync.Client { return b.client }, Sync: b.engine.SyncNow}
	require.ErrorIs(t, shared.FetchQueue(ctx), benchsync.ErrNotRunning, "Run is not running yet")

	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- b.engine.Run(runCtx) }()
	require.Eventually(t, func() bool { return shared.FetchQueue(ctx) == nil }, 5*time.Second, 5*time.Millisecond,
		"the first sync of Run")

	var ti intake.TradeIn
	for _, r := range h.Receivable(t) {
		if r.Disclosed > intake.ConditionPoor {
			ti = r
			break
		}
	}
	_, err := a.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)
	_, err = a.svc.RecordGrading(ctx, tech, ti.ID, crackedScreen())
	require.NoError(t, err)
	require.NoError(t, a.svc.Quarantine(ctx, tech, "S/N: F17XQ9Z1HG7K", "no paperwork in the box"))
	a.sync(t)

	require.NoError(t, shared.FetchQueue(ctx), "Run sleeps for an hour: the fetch wakes it")
	queue, err := shared.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1)
	assert.Equal(t, ti.ID, queue[0].TradeIn.ID)
	assert.Equal(t, ti.Reference, queue[0].TradeIn.Reference, "shown with its trade-in, pulled on its own")
	shelf, err := shared.Quarantines(ctx)
	require.NoError(t, err)
	require.Len(t, shelf, 1)
	assert.Equal(t, "S/N: F17XQ9Z1HG7K", shelf[0].Scan)
	assert.Equal(t, "bench-a", shelf[0].Bench)
	assert.Equal(t, "no paperwork in the box", shelf[0].Reason)

	stop()
	require.ErrorIs(t, <-ran, context.Canceled)
	require.ErrorIs(t, shared.FetchQueue(ctx), benchsync.ErrNotRunning)
	h.HTTP.Close() // the hub goes away: what was pulled stays
	queue, err = shared.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Len(t, queue, 1)
	shelf, err = shared.Quarantines(ctx)
	require.NoError(t, err)
	assert.Len(t, shelf, 1)
}
