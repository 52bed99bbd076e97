package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// The to-do list is what a technician still has to do with the devices
// this bench received: grade one, photograph one a supervisor at another
// bench asked about, keep one whose counter-offer waits on the shelf.
// Graded and rerouted devices are done, for the technician.
func TestOpenUnitsAreTheTechniciansToDoList(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	imeis := []string{"356938035643817", "356938035643825", "356938035643833", "356938035643841", "356938035643858"}
	var tis []intake.TradeIn
	for i, imei := range imeis {
		tis = append(tis, sampleTradeIn(fmt.Sprint(i+1), imei))
	}
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: tis}, "c1"))
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	keys := 0
	bench := intake.NewBench(s, "b1", func() time.Time { return at }, func() string { keys++; return fmt.Sprint("k", keys) })
	tech := intake.Operator{ID: "op-1", Name: "Tess", Role: intake.RoleTechnician}
	super := intake.Operator{ID: "op-3", Name: "Sam", Role: intake.RoleSupervisor}
	for i, imei := range imeis {
		at = time.Date(2026, 11, 24, 9, i, 0, 0, time.UTC)
		_, err := bench.Receive(ctx, tech, imei)
		require.NoError(t, err)
	}
	grade := func(id string, screen intake.Severity) {
		t.Helper()
		_, err := bench.RecordGrading(ctx, tech, id, inspectionWith(screen))
		require.NoError(t, err)
	}
	grade("2", intake.SeverityNone)    // graded as disclosed: done
	grade("3", intake.SeverityCracked) // rerouted: the supervisor's now
	grade("4", intake.SeverityCracked) // rerouted, then photos asked for elsewhere
	grade("5", intake.SeverityCracked) // rerouted, then a counter-offer here
	_, err := bench.Decide(ctx, s, super, "5", intake.DecisionRequest{Kind: intake.DecideCounterOffer, CounterOffer: 15000})
	require.NoError(t, err)

	pending, err := s.PendingEvents(ctx, 100)
	require.NoError(t, err)
	var settled []Settlement
	for _, e := range pending {
		settled = append(settled, Settlement{Key: e.Key, State: "applied", Result: []byte(`{}`)})
	}
	require.NoError(t, s.Settle(ctx, settled))
	require.NoError(t, s.ApplyChanges(ctx, Changes{Reviews: []intake.Review{
		remoteItem("4", "b2", intake.UnitPhotosRequested, 3), remoteItem("3", "b1", intake.UnitRerouted, 2),
	}, Complete: true, ReadAt: time.Now()}, "c2"))

	open, err := s.OpenUnits(ctx)
	require.NoError(t, err)
	type item struct {
		ref      string
		state    intake.UnitState
		received time.Time
	}
	var got []item
	for _, u := range open {
		got = append(got, item{u.TradeIn.Reference, u.State, u.Received})
	}
	assert.Equal(t, []item{
		{"TI-1", intake.UnitReceived, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
		{"TI-4", intake.UnitPhotosRequested, time.Date(2026, 11, 24, 9, 3, 0, 0, time.UTC)},
		{"TI-5", intake.UnitCounterOffered, time.Date(2026, 11, 24, 9, 4, 0, 0, time.UTC)},
	}, got)
	state, err := s.UnitState(ctx, "4")
	require.NoError(t, err)
	assert.Equal(t, intake.UnitPhotosRequested, state, "a rescan says so too")

	// The technician grades it again; once the hub has settled that, the
	// pull from before it no longer speaks for the unit.
	grade("4", intake.SeverityCracked)
	pending, err = s.PendingEvents(ctx, 100)
	require.NoError(t, err)
	settled = settled[:0]
	for _, e := range pending {
		settled = append(settled, Settlement{Key: e.Key, State: "applied", Result: []byte(`{}`)})
	}
	require.NoError(t, s.Settle(ctx, settled))
	state, err = s.UnitState(ctx, "4")
	require.NoError(t, err)
	assert.Equal(t, intake.UnitRerouted, state, "graded again after the hub's log was read")
}
