package benchsync_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/internal/hubtest"
)

// Every push carries the head of the bench's audit log, and the hub keeps
// it: a bench whose database was replaced shows as a history gone back.
func TestPushesCarryTheAuditHead(t *testing.T) {
	ctx := context.Background()
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	receiveAndSync := func(b *bench, ids ...string) {
		t.Helper()
		for _, id := range ids {
			ti, err := b.store.TradeIn(ctx, id)
			require.NoError(t, err)
			_, err = b.svc.Receive(ctx, tech, ti.IMEI)
			require.NoError(t, err)
		}
		b.sync(t)
	}

	b := newBench(t, h, "b1", h.URL)
	b.sync(t)
	receiveAndSync(b, tradeInID(1), tradeInID(2), tradeInID(3))
	head, err := b.store.AuditHead(ctx)
	require.NoError(t, err)
	heads, err := h.AuditHeads(ctx, "b1")
	require.NoError(t, err)
	require.Len(t, heads, 1, "one push, one head")
	assert.Equal(t, head.Seq, heads[0].Seq)
	assert.Equal(t, head.Hash, heads[0].Hash)
	assert.Empty(t, heads[0].Rewrite)

	// The same bench on a new database, enrolled again to start a new
	// event stream: its audit log starts over.
	again := newBench(t, h, "b1", h.URL)
	again.sync(t)
	receiveAndSync(again, tradeInID(4))
	heads, err = h.AuditHeads(ctx, "b1")
	require.NoError(t, err)
	require.Len(t, heads, 2)
	assert.Equal(t, int64(1), heads[1].Seq)
	assert.Contains(t, heads[1].Rewrite, "went back")
}
