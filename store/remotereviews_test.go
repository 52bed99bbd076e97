package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func remoteItem(id, bench string, state intake.UnitState, minute int) intake.Review {
	return intake.Review{TradeIn: sampleTradeIn(id, "356938035643809"), State: state,
		Grading: intake.Grading{TradeInID: id, Bench: bench, Operator: "op-tech-2", At: time.Date(2026, 11, 24, 9, minute, 0, 0, time.UTC)}}
}

// The hub's queue is kept whole as fetched, replaced by the next fetch,
// and listed next to this bench's units without touching them.
func TestTheHubsQueueIsReplacedWhole(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{
		remoteItem("r1", "bench-a", intake.UnitRerouted, 5), remoteItem("r2", "bench-c", intake.UnitPhotosRequested, 1)}, time.Now()))
	require.NoError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{
		remoteItem("r2", "bench-c", intake.UnitPhotosRequested, 1), remoteItem("r3", "bench-a", intake.UnitRerouted, 3)}, time.Now()))
	queue, err := s.ReviewQueue(ctx)
	require.NoError(t, err)
	type item struct {
		id, bench string
		state     intake.UnitState
		remote    bool
	}
	var got []item
	for _, r := range queue {
		got = append(got, item{r.TradeIn.ID, r.Grading.Bench, r.State, r.Remote})
	}
	assert.Equal(t, []item{{"r2", "bench-c", intake.UnitPhotosRequested, true}, {"r3", "bench-a", intake.UnitRerouted, true}}, got,
		"the last fetch, oldest grading first")
	_, err = s.RemoteReview(ctx, "r1")
	assert.ErrorIs(t, err, intake.ErrNotFound, "gone from the hub's queue, gone here")

	require.NoError(t, s.ReplaceRemoteReviews(ctx, nil, time.Now()))
	queue, err = s.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue)
}

// A bench enrolled with another hub forgets the old hub's queue: its
// supervisors would otherwise decide items the new hub has never heard of.
func TestResetCacheForgetsTheOldHubsQueue(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 5)}, time.Now()))
	require.NoError(t, s.ResetCache(ctx))
	queue, err := s.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue)
	_, err = s.RemoteReview(ctx, "r1")
	assert.ErrorIs(t, err, intake.ErrNotFound)
}

func TestTheHubsQueueRefusesWhatDoesNotWait(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}, time.Now()))
	tests := []struct {
		name string
		r    intake.Review
		err  string
	}{
		{"decided", remoteItem("r2", "bench-a", intake.UnitDeclined, 1), `review queue item 0 ("r2", declined): not a trade-in waiting for a supervisor`},
		{"no trade-in", intake.Review{State: intake.UnitRerouted}, `review queue item 0 ("", rerouted): not a trade-in waiting for a supervisor`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.EqualError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{tt.r}, time.Now()), tt.err)
			queue, err := s.ReviewQueue(ctx)
			require.NoError(t, err)
			require.Len(t, queue, 1, "the last fetch stays")
			assert.Equal(t, "r1", queue[0].TradeIn.ID)
		})
	}
}

// A decision on a remote item goes out through the outbox; until the hub
// settles it, a fetch that still lists the item does not bring it back.
func TestARemoteDecisionOutlivesFetchesUntilSent(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}, time.Now()))
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	b := intake.NewBench(s, "bench-b", func() time.Time { return at }, func() string { return "key-1" })
	super := intake.Operator{ID: "op-super", Name: "Sam", Role: intake.RoleSupervisor}
	_, err := b.Decide(ctx, s, super, "r1", intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "crack not disclosed"})
	require.NoError(t, err)
	pending, err := s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "tradein.payout_declined", pending[0].Kind)
	assert.Equal(t, "r1", pending[0].TradeInID)

	require.NoError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}, time.Now()))
	queue, err := s.ReviewQueue(ctx)
	require.NoError(t, err)
	assert.Empty(t, queue, "decided here, not yet sent")
	_, err = b.Decide(ctx, s, super, "r1", intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "again"})
	assert.EqualError(t, err, "trade-in TI-r1 is declined, not waiting for a supervisor")

	require.NoError(t, s.Settle(ctx, []Settlement{{Key: "key-1", State: "rejected", Result: []byte(`{}`)}}))
	require.NoError(t, s.ReplaceRemoteReviews(ctx, []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}, time.Now()))
	queue, err = s.ReviewQueue(ctx)
	require.NoError(t, err)
	require.Len(t, queue, 1, "the hub refused it and still lists the item: it waits again")
	_, err = s.VerifyAudit(ctx)
	require.NoError(t, err)
}

func TestCachedPhotosAreCheckedAndKept(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	data := []byte("a photo's bytes")
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	tests := []struct {
		name, sha string
		data      []byte
		err       string
	}{
		{"its own hash", sha, data, ""},
		{"again", sha, data, ""},
		{"another's hash", sha, []byte("other bytes"), "photo " + sha + ": its content does not hash to its name"},
		{"empty", sha, nil, "a photo must be between 1 byte and 10 MiB, " + sha + " is 0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CachePhoto(ctx, tt.sha, "image/jpeg", tt.data)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
			} else {
				require.NoError(t, err)
			}
			got, err := s.PhotoData(ctx, sha)
			require.NoError(t, err)
			assert.Equal(t, data, got)
		})
	}
}
