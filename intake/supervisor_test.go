package intake

import (
	"context"
	"errors"
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
