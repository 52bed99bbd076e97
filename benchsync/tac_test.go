package benchsync_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestTACsReachTheBench pulls the demo catalog's TACs from a real hub into
// a bench's cache, where they tell a device that is not its trade-in's
// model, until the hub corrects the trade-in.
func TestTACsReachTheBench(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 40})
	ctx := context.Background()
	b := newBench(t, h, "bench-a", h.URL)
	b.sync(t)

	for _, m := range demo.Catalog() {
		for _, tac := range m.TACs {
			got, err := b.store.ModelsByTAC(ctx, tac)
			require.NoError(t, err)
			assert.Equal(t, []intake.DeviceModel{{Make: m.Make, Model: m.Name}}, got, "TAC %s", tac)
		}
	}
	v, err := b.store.Variant(ctx, demo.Variants()[0].SKU)
	require.NoError(t, err)
	assert.Equal(t, demo.Variants()[0].Model.TACs, v.TACs)

	receivable := h.Receivable(t)
	require.NotEmpty(t, receivable)
	for _, ti := range receivable {
		m, err := b.svc.Lookup(ctx, ti.IMEI)
		require.NoError(t, err)
		require.Equal(t, intake.OutcomeMatched, m.Outcome, "demo trade-in %s is its IMEI's model", ti.Reference)
	}

	// The platform records the trade-in as another model than its IMEI's.
	ti := receivable[0]
	actual := ti.Device
	other := demo.Catalog()[0]
	if other.Name == actual.Model {
		other = demo.Catalog()[1]
	}
	ti.Device.Make, ti.Device.Model = other.Make, other.Name
	require.NoError(t, h.PutTradeIns(ctx, []intake.TradeIn{ti}))
	b.sync(t)
	m, err := b.svc.Lookup(ctx, ti.IMEI)
	require.NoError(t, err)
	require.Equal(t, intake.OutcomeModelMismatch, m.Outcome)
	require.NotNil(t, m.TAC)
	assert.Equal(t, []intake.DeviceModel{{Make: actual.Make, Model: actual.Model}}, m.TAC.Models)
	_, err = b.svc.Receive(ctx, tech, ti.IMEI)
	var mismatch *intake.ModelMismatchError
	require.ErrorAs(t, err, &mismatch)

	// Corrected at the hub, the device matches and is received.
	ti.Device = actual
	require.NoError(t, h.PutTradeIns(ctx, []intake.TradeIn{ti}))
	b.sync(t)
	_, err = b.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)
	sum := b.sync(t)
	assert.Equal(t, 1, sum.Applied)
	got, err := h.TradeIn(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusReceived, got.Status)

	// A catalog update adds a TAC; benches follow.
	vs, err := h.Variants(ctx)
	require.NoError(t, err)
	var moved []wire.Variant
	for _, v := range vs {
		if v.Model == other.Name {
			v.TACs = append(v.TACs, "35000008")
			moved = append(moved, v)
		}
	}
	require.NotEmpty(t, moved)
	require.NoError(t, h.PutVariants(ctx, moved))
	b.sync(t)
	added, err := b.store.ModelsByTAC(ctx, "35000008")
	require.NoError(t, err)
	assert.Equal(t, []intake.DeviceModel{{Make: other.Make, Model: other.Name}}, added)
}
