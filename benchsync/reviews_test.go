package benchsync_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestOneReviewQueueAcrossBenches: bench A reroutes a cracked device with
// a photo; bench B's supervisor sees it in B's queue with A's name and the
// photo as A took it, declines it, and once B has synced the hub has the
// trade-in declined and A's queue no longer lists it.
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

	// Bench B fetches the one queue: A's reroute, photo and all.
	n, err := benchsync.FetchReviews(ctx, b.client, b.store)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
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
	_, err = benchsync.FetchReviews(ctx, b.client, b.store)
	require.NoError(t, err)
	queue, err = b.store.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue, "a fetch before the decision is sent does not bring it back")

	sum2 := b.sync(t)
	assert.Equal(t, 1, sum2.Applied, "the decision, through the outbox")
	assert.Zero(t, sum2.Rejected)
	hubTI, err := h.TradeIn(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusDeclined, hubTI.Status)

	// Bench A: its next fetch no longer lists it, nor does its queue, whose
	// unit the supervisor at B decided.
	queue, err = a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1, "before the fetch, A's own unit waits")
	n, err = benchsync.FetchReviews(ctx, a.client, a.store)
	require.NoError(t, err)
	assert.Zero(t, n)
	queue, err = a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue, "decided at bench B")
	state, err := a.store.UnitState(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitRerouted, state, "the fetch does not touch A's unit")
}

// A supervisor at another bench asking for more photos shows at the bench
// holding the device, once it has fetched the queue.
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
	_, err = benchsync.FetchReviews(ctx, b.client, b.store)
	require.NoError(t, err)
	supervisor, err := intake.NewLogin(b.store, time.Now).WithGrants(benchsync.Granter{Client: b.client}).ByPIN(ctx, "op-super-1", "333333")
	require.NoError(t, err)
	_, err = b.svc.Decide(ctx, b.store, supervisor, ti.ID, intake.DecisionRequest{Kind: intake.DecideMorePhotos, Reason: "frame not visible"})
	require.NoError(t, err)
	b.sync(t)

	_, err = benchsync.FetchReviews(ctx, a.client, a.store)
	require.NoError(t, err)
	queue, err := a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1)
	assert.Equal(t, intake.UnitPhotosRequested, queue[0].State)
	assert.False(t, queue[0].Remote, "A's own unit")
	_, err = benchsync.FetchReviews(ctx, b.client, b.store)
	require.NoError(t, err)
	queue, err = b.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1, "still waiting, at B too")
	assert.Equal(t, intake.UnitPhotosRequested, queue[0].State)
}

// What a hub sends is checked before anything of it is kept: a broken or
// hostile queue leaves the last one as it was.
func TestReviewQueueAnswersThatAreRefused(t *testing.T) {
	const sha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	tests := []struct {
		name, body, want string
	}{
		{"no list", `{}`, "reviews is missing"},
		{"not waiting", `{"reviews":[{"trade_in":` + tradeInJSON + `,"state":"declined","grading":{"bench":"bench-a"}}]}`, `is "declined", not waiting for a supervisor`},
		{"no bench", `{"reviews":[{"trade_in":` + tradeInJSON + `,"state":"rerouted","grading":{}}]}`, "no grading bench"},
		{"a photo by another name", `{"reviews":[{"trade_in":` + tradeInJSON + `,"state":"rerouted","grading":{"bench":"bench-a"},"photos":[{"sha256":"../etc","angle":"front"}]}]}`, `"../etc" is no SHA-256`},
		{"twice", `{"reviews":[{"trade_in":` + tradeInJSON + `,"state":"rerouted","grading":{"bench":"a"}},{"trade_in":` + tradeInJSON + `,"state":"rerouted","grading":{"bench":"a"}}]}`, "listed twice"},
		{"another trade-in's grading", `{"reviews":[{"trade_in":` + tradeInJSON + `,"state":"rerouted","grading":{"bench":"a","trade_in_id":"ti-2"}}]}`, `comes with the grading of "ti-2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := benchsync.NewClient(srv.URL, "token")
			require.NoError(t, err)
			_, err = c.Reviews(context.Background())
			var re *benchsync.ResponseError
			require.ErrorAs(t, err, &re)
			assert.ErrorContains(t, err, tt.want)
		})
	}
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

// A fetch the hub answered before it applied this bench's reroute does not
// list the device, though its events settle before the answer is kept:
// the unit stays in the queue until a fetch asked after they settled.
func TestAFetchAnsweredBeforeThePushKeepsTheUnit(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 20})
	ctx := context.Background()
	a := newBench(t, h, "bench-a", h.URL)
	a.sync(t)
	var ti intake.TradeIn
	for _, r := range h.Receivable(t) {
		if r.Disclosed > intake.ConditionPoor {
			ti = r
			break
		}
	}
	_, err := a.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)
	_, err = a.svc.AddPhoto(ctx, tech, ti.ID, "front", jpegPhoto(t, 3))
	require.NoError(t, err)
	g, err := a.svc.RecordGrading(ctx, tech, ti.ID, crackedScreen())
	require.NoError(t, err)
	require.True(t, g.Decision.Reroute)

	asked := time.Now() // the hub answers this fetch before the push
	a.sync(t)
	require.NoError(t, a.store.ReplaceRemoteReviews(ctx, nil, asked))
	queue, err := a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1, "a supervisor here still sees the device")
	assert.Equal(t, ti.ID, queue[0].TradeIn.ID)

	n, err := benchsync.FetchReviews(ctx, a.client, a.store)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the hub's queue lists it once it applied the push")
	queue, err = a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Len(t, queue, 1)

	require.NoError(t, a.store.ReplaceRemoteReviews(ctx, nil, time.Now()))
	queue, err = a.store.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue, "a fetch asked after the push that does not list it: decided elsewhere")
}
