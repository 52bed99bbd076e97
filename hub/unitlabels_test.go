package hub_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// The unit label a bench prints when it receives a device names the
// trade-in at the hub too: its id is made of the receipt event's key.
func TestAUnitLabelFindsItsTradeInAtTheHub(t *testing.T) {
	ctx := context.Background()
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-b")
	ti := putTradeIn(t, h, newTradeIn("ti-label", testIMEI(t, 7)))
	ev := b.newEvent(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
	ev.Key = "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b" // its label: U-5936715130527394
	require.Equal(t, "applied", string(b.push(t, ev)[0].Status))

	id, err := h.TradeInOfUnitLabel(ctx, "U-5936715130527394")
	require.NoError(t, err)
	assert.Equal(t, "ti-label", id)

	for _, tc := range []struct{ label, detail string }{
		{"U-0068609408775028", "No unit carries label U-0068609408775028: no bench has received its device here."},
		{"u-5936715130527394", ""}, // typed in lower case: the same label
		{"U-5936715130527395", `"U-5936715130527395" is not a unit label's id (U- and 16 digits).`}, // check digit wrong
		{"356938035643809", `"356938035643809" is not a unit label's id (U- and 16 digits).`},
	} {
		id, err := h.TradeInOfUnitLabel(ctx, tc.label)
		if tc.detail == "" {
			assert.NoError(t, err, tc.label)
			assert.Equal(t, "ti-label", id)
			continue
		}
		var refusal *hub.Error
		require.ErrorAs(t, err, &refusal, tc.label)
		assert.Equal(t, hub.CodeUnitNotFound, refusal.Code)
		assert.Equal(t, tc.detail, refusal.Detail)
	}
}
