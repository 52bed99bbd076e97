package benchsync_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestHandLinksAndQuarantinesReachTheHub links a device whose scan matched
// nothing to a trade-in by hand, grades it, and quarantines another unknown
// device, all through the bench service, and checks the real hub applied
// every event: the hand link with its scan and reason, visible to other
// benches, and the quarantine recorded for a supervisor. A second bench
// linking the same device to another trade-in is refused by the hub.
func TestHandLinksAndQuarantinesReachTheHub(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	ctx := context.Background()
	a, b := newBench(t, h, "bench-a", h.URL), newBench(t, h, "bench-b", h.URL)
	a.sync(t)
	b.sync(t)
	const stray, other = "358240051111110", "358240052222221"
	for _, scan := range []string{stray, other} {
		m, err := a.svc.Lookup(ctx, scan)
		require.NoError(t, err)
		require.Equal(t, intake.OutcomeUnknown, m.Outcome, "no seeded trade-in holds %s", scan)
	}
	receivable := h.Receivable(t)
	ti := receivable[0]

	const reason = "IMEI label unreadable, reference on the packing slip"
	r, err := a.svc.ReceiveByTradeIn(ctx, tech, ti.ID, stray, reason)
	require.NoError(t, err)
	_, err = a.svc.RecordGrading(ctx, tech, ti.ID, cleanInspection())
	require.NoError(t, err, "a device linked by hand is graded like any other")
	require.NoError(t, a.svc.Quarantine(ctx, tech, other, "no paperwork in the box"))

	sum := a.sync(t)
	assert.Equal(t, 3, sum.Applied, "the hand-linked receipt, its grading and the quarantine")
	assert.Zero(t, sum.Rejected)
	rejected, err := a.store.RejectedEvents(ctx)
	require.NoError(t, err)
	assert.Empty(t, rejected)

	got, err := h.TradeIn(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusCompleted, got.Status, "graded as disclosed, the trade-in is complete")
	require.NotNil(t, got.Receipt)
	assert.Equal(t, "bench-a", got.Receipt.Bench)
	assert.Equal(t, stray, got.Receipt.IMEI)
	assert.True(t, r.At.Equal(got.Receipt.At))
	require.NotNil(t, got.Receipt.Link, "the hub knows the link was made by hand")
	assert.Equal(t, stray, got.Receipt.Link.Scan)
	assert.Equal(t, reason, got.Receipt.Link.Reason)

	quarantines, err := h.Quarantines(ctx)
	require.NoError(t, err)
	require.Len(t, quarantines, 1)
	q := quarantines[0]
	assert.Equal(t, []intake.Identifier{{Kind: intake.KindIMEI, Value: other}}, q.Identifiers)
	assert.Equal(t, [3]string{tech.ID, "bench-a", "no paperwork in the box"}, [3]string{q.Operator, q.Bench, q.Reason})

	// Bench b pulls the receipt with its link, but its cache does not know
	// the device by its scan: it links it to another trade-in, and the hub,
	// the only arbiter, refuses the second receipt.
	b.sync(t)
	cached, err := b.store.TradeIn(ctx, ti.ID)
	require.NoError(t, err)
	require.NotNil(t, cached.Receipt)
	assert.Equal(t, got.Receipt.Link, cached.Receipt.Link, "other benches see how the device was received")
	second := receivable[1]
	_, err = b.svc.ReceiveByTradeIn(ctx, tech, second.ID, stray, "packing slip says so")
	require.NoError(t, err)
	sum = b.sync(t)
	assert.Equal(t, 1, sum.Rejected)
	rejected, err = b.store.RejectedEvents(ctx)
	require.NoError(t, err)
	require.Len(t, rejected, 1, "kept for a supervisor")
	assert.Contains(t, string(rejected[0].Result), "already_received")
	got, err = h.TradeIn(ctx, second.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Receipt, "one device, one receipt")
}
