package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// hubQueue stands in for the hub's review queue: a fetch brings the
// state the hub holds into the bench's view (here), or fails.
type hubQueue struct {
	fetches int
	fail    error
	hub     intake.UnitState
	here    *intake.UnitState
}

func (q *hubQueue) FetchQueue(context.Context) error {
	q.fetches++
	if q.fail != nil {
		return q.fail
	}
	*q.here = q.hub
	return nil
}

// unitLookup answers every scan with an already received unit in the
// state the bench's view holds.
type unitLookup struct{ state *intake.UnitState }

func (l unitLookup) Lookup(_ context.Context, raw string) (intake.Match, error) {
	return intake.Match{Outcome: intake.OutcomeAlreadyReceived, Scan: raw, Unit: *l.state}, nil
}

func TestARescanOfAWaitingUnitAsksTheHub(t *testing.T) {
	tests := []struct {
		name        string
		here        intake.UnitState
		fail        error
		wantUnit    intake.UnitState
		wantFetches int
	}{
		{"a supervisor elsewhere asked for photos", intake.UnitRerouted, nil, intake.UnitPhotosRequested, 1},
		{"the hub is away: as last fetched", intake.UnitRerouted, errors.New("connection refused"), intake.UnitRerouted, 1},
		{"not waiting for a supervisor: no fetch", intake.UnitReceived, nil, intake.UnitReceived, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			here := tt.here
			q := &hubQueue{fail: tt.fail, hub: intake.UnitPhotosRequested, here: &here}
			m, err := freshUnits{lookup: unitLookup{&here}, queue: q, wait: time.Second}.Lookup(context.Background(), "356938035643809")
			require.NoError(t, err)
			assert.Equal(t, tt.wantUnit, m.Unit)
			assert.Equal(t, tt.wantFetches, q.fetches)
		})
	}
}

func TestWatchQueueFetchesAtEachTick(t *testing.T) {
	here := intake.UnitRerouted
	q := &hubQueue{hub: intake.UnitPhotosRequested, here: &here}
	ticks := make(chan time.Time)
	fetched := make(chan struct{}, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { watchQueue(ctx, q, ticks, func() { fetched <- struct{}{} }); close(done) }()
	ticks <- time.Now()
	<-fetched
	assert.Equal(t, intake.UnitPhotosRequested, here)
	q.fail = errors.New("hub away")
	ticks <- time.Now()
	ticks <- time.Now() // taken only once the failed fetch is over
	cancel()
	<-done
	assert.Equal(t, 3, q.fetches)
	assert.Empty(t, fetched, "a failed fetch reloads nothing")
}
