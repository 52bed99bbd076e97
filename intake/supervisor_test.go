package intake

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reviewStub holds one rerouted device and records the decisions on it.
type reviewStub struct{ decided []SupervisorDecision }

func (s *reviewStub) Review(context.Context, string) (Review, error) {
	return Review{TradeIn: TradeIn{ID: "1", Reference: "TI-1", Offer: 32000}, State: UnitRerouted}, nil
}

func (s *reviewStub) RecordDecision(_ context.Context, d SupervisorDecision, _, _ UnitState, _ []Event) error {
	s.decided = append(s.decided, d)
	return nil
}

// Overriding a payout is a permission of its own, not one that comes with
// deciding: a role that may decide but not override can decline and not
// override.
func TestOverrideNeedsItsOwnPermission(t *testing.T) {
	const lead Role = "lead"
	permissions[lead] = []Action{ActionDecide}
	t.Cleanup(func() { delete(permissions, lead) })
	op := Operator{ID: "op-lead", Name: "Lee", Role: lead}
	b := NewBench(nil, "bench-1", func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }, func() string { return "k" })
	rs := &reviewStub{}

	_, err := b.Decide(context.Background(), rs, op, "1", DecisionRequest{Kind: DecideDecline, Reason: "hidden crack"})
	require.NoError(t, err)
	_, err = b.Decide(context.Background(), rs, op, "1", DecisionRequest{Kind: DecideOverride, Reason: "loyal customer"})
	var pe *PermissionError
	require.True(t, errors.As(err, &pe), "got %v", err)
	assert.Equal(t, ActionOverride, pe.Action)
	require.Len(t, rs.decided, 1)
	assert.Equal(t, DecideDecline, rs.decided[0].Kind)
}

// remoteStub holds one device of this bench (trade-in 1) and the hub's
// queue (trade-ins 2, waiting, and 3, decided here already), and records
// where each decision went.
type remoteStub struct{ local, remote []SupervisorDecision }

func (s *remoteStub) Review(_ context.Context, id string) (Review, error) {
	if id == "1" {
		return Review{TradeIn: TradeIn{ID: "1", Reference: "TI-1", Offer: 32000}, State: UnitRerouted}, nil
	}
	return Review{}, fmt.Errorf("graded unit of %s: %w", id, ErrNotFound)
}

func (s *remoteStub) RemoteReview(_ context.Context, id string) (Review, error) {
	switch id {
	case "2":
		return Review{TradeIn: TradeIn{ID: "2", Reference: "TI-2", Offer: 32000}, State: UnitRerouted, Remote: true}, nil
	case "3":
		return Review{TradeIn: TradeIn{ID: "3", Reference: "TI-3", Offer: 32000}, State: UnitDeclined, Remote: true}, nil
	}
	return Review{}, fmt.Errorf("the hub's review queue of %s: %w", id, ErrNotFound)
}

func (s *remoteStub) RecordDecision(_ context.Context, d SupervisorDecision, _, _ UnitState, _ []Event) error {
	s.local = append(s.local, d)
	return nil
}

func (s *remoteStub) RecordRemoteDecision(_ context.Context, d SupervisorDecision, from, to UnitState, evs []Event) error {
	if from != UnitRerouted || to != UnitDeclined || len(evs) != 1 || evs[0].Kind != EventPayoutDeclined || evs[0].Bench != "bench-1" {
		return fmt.Errorf("unexpected remote decision %s → %s, %v", from, to, evs)
	}
	s.remote = append(s.remote, d)
	return nil
}

// A supervisor decides a device rerouted at another bench, listed by the
// hub's queue, as one of this bench's: the decision is recorded with the
// remote item; a trade-in neither holds is not found.
func TestDecideOnTheHubsQueue(t *testing.T) {
	op := Operator{ID: "op-super", Name: "Sam", Role: RoleSupervisor}
	tests := []struct {
		name          string
		store         *remoteStub
		id            string
		local, remote int
		err           string
	}{
		{"this bench's unit", &remoteStub{}, "1", 1, 0, ""},
		{"another bench's reroute", &remoteStub{}, "2", 0, 1, ""},
		{"decided here already", &remoteStub{}, "3", 0, 0, "trade-in TI-3 is declined, not waiting for a supervisor"},
		{"in neither", &remoteStub{}, "4", 0, 0, "review of 4: the hub's review queue of 4: not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBench(nil, "bench-1", func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }, func() string { return "k" })
			d, err := b.Decide(context.Background(), tt.store, op, tt.id, DecisionRequest{Kind: DecideDecline, Reason: "hidden crack"})
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.id, d.TradeInID)
			rs := tt.store
			assert.Len(t, rs.local, tt.local)
			assert.Len(t, rs.remote, tt.remote)
		})
	}
}
