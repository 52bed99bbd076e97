package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// remoteItem is a review queue item as the feed sends it: its trade-in
// by id only.
func remoteItem(id, bench string, state intake.UnitState, minute int) intake.Review {
	return intake.Review{TradeIn: intake.TradeIn{ID: id}, State: state,
		Grading: intake.Grading{TradeInID: id, Bench: bench, Operator: "op-tech-2", At: time.Date(2026, 11, 24, 9, minute, 0, 0, time.UTC)}}
}

func quarantined(key, bench string, minute int) intake.QuarantinedDevice {
	return intake.QuarantinedDevice{Scan: "358240051111110",
		Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: "358240051111110"}},
		Operator:    "op-tech-2", Bench: bench, At: time.Date(2026, 11, 24, 9, minute, 0, 0, time.UTC), Reason: "no paperwork", EventKey: key}
}

// pull applies pages of the hub's feed, each with the next cursor.
func pull(t *testing.T, s *Store, pages ...Changes) {
	t.Helper()
	for _, c := range pages {
		cursor, err := s.Cursor(context.Background())
		require.NoError(t, err)
		require.NoError(t, s.ApplyChanges(context.Background(), c, cursor+"+"))
	}
}

// queueItem is what a test compares of a review queue item.
type queueItem struct {
	id, ref, bench string
	state          intake.UnitState
	remote         bool
}

func queueOf(t *testing.T, s *Store) []queueItem {
	t.Helper()
	queue, err := s.ReviewQueue(context.Background())
	require.NoError(t, err)
	var got []queueItem
	for _, r := range queue {
		got = append(got, queueItem{r.TradeIn.ID, r.TradeIn.Reference, r.Grading.Bench, r.State, r.Remote})
	}
	return got
}

func tradeInsOf(ids ...string) []intake.TradeIn {
	var ts []intake.TradeIn
	for _, id := range ids {
		ts = append(ts, sampleTradeIn(id, "356938035643809"))
	}
	return ts
}

// The hub's queue comes on the feed an item at a time, each shown with
// its trade-in from the cache, next to this bench's units and without
// touching them.
func TestTheHubsQueueComesOnTheFeed(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	pull(t, s, Changes{TradeIns: tradeInsOf("r1", "r2", "r3"), Reviews: []intake.Review{
		remoteItem("r1", "bench-a", intake.UnitRerouted, 5), remoteItem("r2", "bench-c", intake.UnitPhotosRequested, 1)}})
	pull(t, s, Changes{Reviews: []intake.Review{remoteItem("r3", "bench-a", intake.UnitRerouted, 3)}, DeletedReviews: []string{"r1"}})
	assert.Equal(t, []queueItem{
		{"r2", "TI-r2", "bench-c", intake.UnitPhotosRequested, true},
		{"r3", "TI-r3", "bench-a", intake.UnitRerouted, true},
	}, queueOf(t, s), "oldest grading first")
	r, err := s.RemoteReview(ctx, "r3")
	require.NoError(t, err)
	assert.Equal(t, sampleTradeIn("r3", "356938035643809"), r.TradeIn, "the cache's trade-in")
	assert.Equal(t, time.Date(2026, 11, 24, 9, 3, 0, 0, time.UTC), r.Grading.At)
	_, err = s.RemoteReview(ctx, "r1")
	assert.ErrorIs(t, err, intake.ErrNotFound, "gone from the hub's queue, gone here")

	// An item before its trade-in shows once the trade-in comes; one
	// graded at the same time as another comes after it by id.
	pull(t, s, Changes{Reviews: []intake.Review{remoteItem("r0", "bench-b", intake.UnitRerouted, 3)}})
	assert.Equal(t, []queueItem{
		{"r2", "TI-r2", "bench-c", intake.UnitPhotosRequested, true},
		{"r3", "TI-r3", "bench-a", intake.UnitRerouted, true},
	}, queueOf(t, s), "nothing to show of r0 yet")
	pull(t, s, Changes{TradeIns: tradeInsOf("r0")})
	assert.Equal(t, []queueItem{
		{"r2", "TI-r2", "bench-c", intake.UnitPhotosRequested, true},
		{"r0", "TI-r0", "bench-b", intake.UnitRerouted, true},
		{"r3", "TI-r3", "bench-a", intake.UnitRerouted, true},
	}, queueOf(t, s))

	// A trade-in the hub deletes takes its item with it.
	pull(t, s, Changes{DeletedTradeIns: []string{"r3"}})
	assert.Equal(t, []queueItem{
		{"r2", "TI-r2", "bench-c", intake.UnitPhotosRequested, true},
		{"r0", "TI-r0", "bench-b", intake.UnitRerouted, true},
	}, queueOf(t, s))
	var rows int
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM remote_reviews WHERE tradein_id = 'r3'`).Scan(&rows))
	assert.Zero(t, rows, "its row goes too, not only its trade-in")
}

// A page of nothing but queue changes is applied like any other.
func TestAPageOfQueueChangesOnlyIsApplied(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: tradeInsOf("r1")}, "c1"))
	tests := []struct {
		name string
		c    Changes
		want []queueItem
	}{
		{"a review", Changes{Reviews: []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}},
			[]queueItem{{"r1", "TI-r1", "bench-a", intake.UnitRerouted, true}}},
		{"its deletion", Changes{DeletedReviews: []string{"r1"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, s.ApplyChanges(ctx, tt.c, "c1"), "the same cursor")
			assert.Equal(t, tt.want, queueOf(t, s))
		})
	}
}

// A bench enrolled with another hub forgets the old hub's queue and shelf:
// its supervisors would otherwise decide items the new hub has never heard
// of.
func TestResetCacheForgetsTheOldHubsQueue(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	pull(t, s, Changes{TradeIns: tradeInsOf("r1"), Reviews: []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 5)},
		Quarantines: []intake.QuarantinedDevice{quarantined("q1", "bench-a", 1)},
		Complete:    true, ReadAt: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)})
	require.NoError(t, s.ResetCache(ctx))
	assert.Empty(t, queueOf(t, s))
	_, err := s.RemoteReview(ctx, "r1")
	assert.ErrorIs(t, err, intake.ErrNotFound)
	shelf, err := s.RemoteQuarantines(ctx)
	require.NoError(t, err)
	assert.Empty(t, shelf)
	var rows int
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM remote_reviews) + (SELECT count(*) FROM remote_quarantines) +
		(SELECT count(*) FROM meta WHERE key = 'log read to the end at')`).Scan(&rows))
	assert.Zero(t, rows, "nothing of the old hub's queue is left")
}

// A page with an item that does not wait for a supervisor, or a shelved
// device with no key, is refused whole.
func TestTheHubsQueueRefusesWhatDoesNotWait(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: tradeInsOf("r1"), Reviews: []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)},
		Quarantines: []intake.QuarantinedDevice{quarantined("q1", "bench-a", 1)}}, "c1"))
	waiting := remoteItem("r3", "bench-a", intake.UnitRerouted, 0)
	tests := []struct {
		name string
		c    Changes
		err  string
	}{
		{"decided", Changes{Reviews: []intake.Review{waiting, remoteItem("r2", "bench-a", intake.UnitDeclined, 1)}},
			`review queue item 1 ("r2", declined): not a trade-in waiting for a supervisor`},
		{"no trade-in", Changes{Reviews: []intake.Review{waiting, {State: intake.UnitRerouted}}},
			`review queue item 1 ("", rerouted): not a trade-in waiting for a supervisor`},
		{"a quarantine without a key", Changes{Reviews: []intake.Review{waiting},
			Quarantines: []intake.QuarantinedDevice{quarantined("q2", "bench-a", 2), quarantined("", "bench-a", 3)}},
			`quarantined device 1 (scan "358240051111110"): without an event key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.TradeIns = tradeInsOf("r2", "r3")
			assert.EqualError(t, s.ApplyChanges(ctx, tt.c, "c2"), tt.err)
			assert.Equal(t, []queueItem{{"r1", "TI-r1", "bench-a", intake.UnitRerouted, true}}, queueOf(t, s), "the queue as it was")
			shelf, err := s.RemoteQuarantines(ctx)
			require.NoError(t, err)
			assert.Equal(t, []intake.QuarantinedDevice{quarantined("q1", "bench-a", 1)}, shelf, "the shelf as it was")
			n, err := s.CountTradeIns(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n, "nor the page's trade-ins")
			cursor, err := s.Cursor(ctx)
			require.NoError(t, err)
			assert.Equal(t, "c1", cursor)
		})
	}
}

// A decision on a remote item goes out through the outbox; until the hub
// settles it, a page that still lists the item does not bring it back.
func TestARemoteDecisionOutlivesPullsUntilSent(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	pull(t, s, Changes{TradeIns: tradeInsOf("r1"), Reviews: []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}})
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

	pull(t, s, Changes{Reviews: []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}})
	assert.Empty(t, queueOf(t, s), "decided here, not yet sent")
	_, err = b.Decide(ctx, s, super, "r1", intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "again"})
	assert.EqualError(t, err, "trade-in TI-r1 is declined, not waiting for a supervisor")

	require.NoError(t, s.Settle(ctx, []Settlement{{Key: "key-1", State: "rejected", Result: []byte(`{}`)}}))
	pull(t, s, Changes{Reviews: []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1)}})
	assert.Equal(t, []queueItem{{"r1", "TI-r1", "bench-a", intake.UnitRerouted, true}}, queueOf(t, s),
		"the hub refused it and still lists the item: it waits again")
	_, err = s.VerifyAudit(ctx)
	require.NoError(t, err)
}

// A resync removes, at its end, the items and shelved devices it did not
// send again; until then the bench shows what it had.
func TestAResyncSweepsTheQueueItDidNotSendAgain(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	pull(t, s, Changes{TradeIns: tradeInsOf("r1", "r2"),
		Reviews:     []intake.Review{remoteItem("r1", "bench-a", intake.UnitRerouted, 1), remoteItem("r2", "bench-a", intake.UnitRerouted, 2)},
		Quarantines: []intake.QuarantinedDevice{quarantined("q1", "bench-a", 1), quarantined("q2", "bench-c", 2)}, Complete: true})
	require.NoError(t, s.BeginResync(ctx))
	both := []queueItem{{"r1", "TI-r1", "bench-a", intake.UnitRerouted, true}, {"r2", "TI-r2", "bench-a", intake.UnitRerouted, true}}
	tests := []struct {
		name  string
		page  Changes
		queue []queueItem
		shelf []intake.QuarantinedDevice
	}{
		{"halfway", Changes{TradeIns: tradeInsOf("r1", "r2"), Reviews: []intake.Review{remoteItem("r2", "bench-a", intake.UnitRerouted, 2)},
			Quarantines: []intake.QuarantinedDevice{quarantined("q2", "bench-c", 2)}},
			both, []intake.QuarantinedDevice{quarantined("q1", "bench-a", 1), quarantined("q2", "bench-c", 2)}},
		{"at the end", Changes{Complete: true},
			[]queueItem{{"r2", "TI-r2", "bench-a", intake.UnitRerouted, true}}, []intake.QuarantinedDevice{quarantined("q2", "bench-c", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pull(t, s, tt.page)
			assert.Equal(t, tt.queue, queueOf(t, s))
			shelf, err := s.RemoteQuarantines(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.shelf, shelf)
		})
	}
}

// The shelf is listed as pulled, oldest first; a device the hub releases
// leaves it, and one sent again is replaced.
func TestRemoteQuarantinesAsPulled(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	reasoned := quarantined("q-b", "bench-c", 1)
	reasoned.Reason = "box only, no paperwork"
	tests := []struct {
		name string
		page Changes
		want []intake.QuarantinedDevice
	}{
		{"set aside", Changes{Quarantines: []intake.QuarantinedDevice{
			quarantined("q-b", "bench-c", 1), quarantined("q-c", "bench-a", 0), quarantined("q-a", "bench-a", 1)}},
			[]intake.QuarantinedDevice{quarantined("q-c", "bench-a", 0), quarantined("q-a", "bench-a", 1), quarantined("q-b", "bench-c", 1)}},
		{"one released, one sent again", Changes{Quarantines: []intake.QuarantinedDevice{reasoned}, DeletedQuarantines: []string{"q-a"}},
			[]intake.QuarantinedDevice{quarantined("q-c", "bench-a", 0), reasoned}},
		{"the others released", Changes{DeletedQuarantines: []string{"q-b", "q-c", "q-unknown"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pull(t, s, tt.page)
			got, err := s.RemoteQuarantines(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// reroutedAndSettled is a store whose bench received trade-in 1, graded it
// cracked (rerouted), and whose events the hub settled at time settled.
func reroutedAndSettled(t *testing.T, settled time.Time) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "bench.db"), WithClock(func() time.Time { return settled }))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	pull(t, s, Changes{TradeIns: tradeInsOf("1")})
	keys := 0
	bench := intake.NewBench(s, "b1", func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) },
		func() string { keys++; return fmt.Sprint("k", keys) })
	tech := intake.Operator{ID: "op-1", Name: "Tess", Role: intake.RoleTechnician}
	_, err = bench.Receive(ctx, tech, "356938035643809")
	require.NoError(t, err)
	_, err = bench.RecordGrading(ctx, tech, "1", inspectionWith(intake.SeverityCracked))
	require.NoError(t, err)
	pending, err := s.PendingEvents(ctx, 100)
	require.NoError(t, err)
	var settlements []Settlement
	for _, e := range pending {
		settlements = append(settlements, Settlement{Key: e.Key, State: "applied", Result: []byte(`{}`)})
	}
	require.NoError(t, s.Settle(ctx, settlements))
	return s
}

// This bench's own rerouted unit stands where the hub's queue says, once
// a pull has read the hub's log to its end after the unit's events were
// settled: a read before may have been answered before the hub applied
// them. Only a complete page says when the log was read.
func TestTheHubSaysWhatItsLogSaidWhenReadToTheEnd(t *testing.T) {
	ctx := context.Background()
	settled := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := reroutedAndSettled(t, settled)

	photos := remoteItem("1", "b1", intake.UnitPhotosRequested, 0)
	tests := []struct {
		name   string
		page   Changes
		state  intake.UnitState
		queued bool
	}{
		{"never read to the end", Changes{Reviews: []intake.Review{photos}}, intake.UnitRerouted, true},
		{"read before the settlement", Changes{Complete: true, ReadAt: settled.Add(-time.Second)}, intake.UnitRerouted, true},
		{"read after, not to the end", Changes{TradeIns: tradeInsOf("2"), ReadAt: settled.Add(time.Second)}, intake.UnitRerouted, true},
		{"read to the end after", Changes{TradeIns: tradeInsOf("3"), Complete: true, ReadAt: settled.Add(time.Second)}, intake.UnitPhotosRequested, true},
		{"no longer listed", Changes{DeletedReviews: []string{"1"}, Complete: true, ReadAt: settled.Add(2 * time.Second)}, intake.UnitRerouted, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pull(t, s, tt.page)
			state, err := s.UnitState(ctx, "1")
			require.NoError(t, err)
			assert.Equal(t, tt.state, state)
			var want []queueItem
			if tt.queued {
				want = []queueItem{{"1", "TI-1", "b1", tt.state, false}}
			}
			assert.Equal(t, want, queueOf(t, s))
		})
	}
}

// A pull that brings nothing new after this bench's events settled (the
// hub rejected them: nothing changed) still says the hub read them: its
// word on the queue holds. Idle pulls after that write nothing.
func TestAnIdlePullAfterASettlementNotesTheRead(t *testing.T) {
	ctx := context.Background()
	settled := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := reroutedAndSettled(t, settled)
	pull(t, s, Changes{Reviews: []intake.Review{remoteItem("1", "b1", intake.UnitPhotosRequested, 0)}})

	idle := func(readAt time.Time) {
		cursor, err := s.Cursor(ctx)
		require.NoError(t, err)
		require.NoError(t, s.ApplyChanges(ctx, Changes{Complete: true, ReadAt: readAt}, cursor))
	}
	readAt := func() string {
		var v string
		require.NoError(t, s.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'log read to the end at'`).Scan(&v))
		return v
	}
	assert.Equal(t, []queueItem{{"1", "TI-1", "b1", intake.UnitRerouted, false}}, queueOf(t, s), "as recorded, before a read")
	idle(settled.Add(time.Second))
	assert.Equal(t, []queueItem{{"1", "TI-1", "b1", intake.UnitPhotosRequested, false}}, queueOf(t, s), "the hub's word")
	assert.Equal(t, "2026-11-24T10:00:01.000000000Z", readAt())
	idle(settled.Add(time.Minute))
	assert.Equal(t, "2026-11-24T10:00:01.000000000Z", readAt(), "nothing settled since: the idle pull wrote nothing")
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
