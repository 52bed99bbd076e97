package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestFullReadEndsAtTheHighWaterMark: the log keeps one entry per entity, so
// an upsert moves an entity's entry to the top and leaves a hole, and
// compaction removes tombstones, the newest of them perhaps the top of the
// log. A full read must still leave its reader at the top, not at the last
// entry it happened to see: below the top, the cursor sits behind the
// compaction horizon and lives only as long as that horizon stands.
func TestFullReadEndsAtTheHighWaterMark(t *testing.T) {
	ctx := context.Background()
	h := hubtest.New(t, hubtest.Config{})
	witness := enrollBench(t, h, "witness")
	var tis []intake.TradeIn
	for i, id := range []string{"ti-a", "ti-b", "ti-c"} {
		tis = append(tis, putTradeIn(t, h, newTradeIn(id, testIMEI(t, i+1))))
	}
	edit := func(ti intake.TradeIn, offer intake.Cents) {
		t.Helper()
		ti.Offer = offer
		putTradeIn(t, h, ti)
	}
	seen := witness.top(t)

	// Moved entries and tombstones, in turn, with a tombstone on top.
	edit(tis[0], 35100)
	require.NoError(t, h.DeleteOperators(ctx, []string{opClerk}))
	edit(tis[1], 35200)
	require.NoError(t, h.DeleteOperators(ctx, []string{opSupervisor}))
	tail, _ := witness.pullAll(t, seen, wire.MaxPageChanges)
	require.Len(t, tail, 4)
	top := tail[3]
	require.Equal(t, "delete", string(top.Op), "the log's top is a tombstone")
	require.Equal(t, opSupervisor, top.ID)

	removed, err := h.CompactChanges(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.EqualValues(t, 2, removed)

	// A bench enrolled after the compaction reads the whole log, in pages
	// small enough that the last one ends below the compacted top.
	reader := enrollBench(t, h, "reader")
	all, cursor := reader.pullAll(t, "", 2)
	require.NotEmpty(t, all)
	last := all[len(all)-1]
	require.Less(t, last.Seq, top.Seq, "the last entry served is below the top")
	assert.Equal(t, top.Seq, cursorSeq(t, cursor), "a full read ends at the top of the log, not at the last entry served (%d)", last.Seq)

	again := reader.pullPage(t, cursor, 2)
	assert.Empty(t, again.Changes, "nothing follows a full read")
	assert.False(t, again.HasMore)
	assert.Equal(t, top.Seq, cursorSeq(t, again.NextCursor), "an empty pull stays at the top")

	edit(tis[2], 35300)
	next, after := reader.pullAll(t, cursor, 2)
	require.Len(t, next, 1, "the change that follows, once")
	assert.Equal(t, tis[2].ID, next[0].ID)
	require.NotNil(t, next[0].TradeIn)
	assert.Equal(t, intake.Cents(35300), next[0].TradeIn.Offer)
	assert.Equal(t, next[0].Seq, cursorSeq(t, after))
	rest, _ := reader.pullAll(t, after, 2)
	assert.Empty(t, rest, "and never again")
}
