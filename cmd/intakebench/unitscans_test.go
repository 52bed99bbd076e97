package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/printing"
	"github.com/intakebench/intakebench/store"
)

// A unit label printed at another bench opens its unit here, by the
// receipt the hub's feed brought; one nobody here knows says so.
func TestUnitLabelOfAnotherBenchOpensItsUnit(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	received := intake.TradeIn{ID: "ti_1", Reference: "TI-2026-000001", Status: intake.StatusReceived, IMEI: "356938035643809",
		Device:   intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
		Customer: intake.Customer{Name: "Ada Lovelace"}, Disclosed: intake.ConditionGood, Offer: 32000,
		Prices: intake.PriceTableFromBase(40000), UpdatedAt: at,
		// Received at bench B, whose label says U-5936715130527394.
		Receipt: &intake.Receipt{TradeInID: "ti_1", IMEI: "356938035643809", Operator: "op-tech-2", Bench: "bench-b", At: at,
			EventKey: "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"}}
	require.NoError(t, s.ApplyChanges(ctx, store.Changes{TradeIns: []intake.TradeIn{received}}, "c1"))
	scans := unitScans{bench: intake.NewBench(s, "bench-a", time.Now, uuid.NewString), labels: printing.New(s, time.Now), store: s}

	m, err := scans.Lookup(ctx, "U-5936715130527394")
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeAlreadyReceived, m.Outcome)
	require.NotNil(t, m.TradeIn)
	assert.Equal(t, "ti_1", m.TradeIn.ID)
	assert.Equal(t, "U-5936715130527394", m.Scan)

	m, err = scans.Lookup(ctx, "U-0068609408775028")
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeInvalid, m.Outcome)
	assert.Equal(t, "unit label U-0068609408775028 is not known here (not printed at this bench, or its receipt has not synced yet): scan the device's IMEI instead", m.Problem)
}
