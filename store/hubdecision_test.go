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

// The hub's damaged-on-arrival decision stands over the bench's: a push
// answer carrying one moves the unit in or out of the review queue.
func TestTheHubsDecisionMovesTheUnit(t *testing.T) {
	for _, c := range []struct {
		name       string
		screen     intake.Severity // what the bench graded
		hub        intake.Decision
		wantState  intake.UnitState
		wantQueued bool
	}{
		{"the hub reroutes what the bench passed", intake.SeverityNone,
			intake.Decision{Reroute: true, Reason: "arrived poor, disclosed good", Disclosed: intake.ConditionGood, Graded: intake.ConditionPoor, Offer: 32000, GradedPrice: 16000},
			intake.UnitRerouted, true},
		{"the hub passes what the bench rerouted", intake.SeverityCracked,
			intake.Decision{Disclosed: intake.ConditionExcellent, Graded: intake.ConditionPoor, Offer: 32000, GradedPrice: 32000},
			intake.UnitGraded, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			ctx := context.Background()
			require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
			keys := 0
			at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
			bench := intake.NewBench(s, "b1", func() time.Time { return at }, func() string { keys++; return fmt.Sprint("k", keys) })
			tech := intake.Operator{ID: "op-1", Name: "Tess", Role: intake.RoleTechnician}
			_, err := bench.Receive(ctx, tech, "356938035643809")
			require.NoError(t, err)
			g, err := bench.RecordGrading(ctx, tech, "1", inspectionWith(c.screen))
			require.NoError(t, err)
			require.NotEqual(t, c.hub.Reroute, g.Decision.Reroute, "the bench decided otherwise")

			require.NoError(t, s.Settle(ctx, []Settlement{{Key: g.EventKey, State: "applied", Result: []byte(`{}`), Decision: &c.hub}}))
			state, err := s.UnitState(ctx, "1")
			require.NoError(t, err)
			assert.Equal(t, c.wantState, state)
			queue, err := s.ReviewQueue(ctx)
			require.NoError(t, err)
			assert.Equal(t, c.wantQueued, len(queue) == 1, "in the review queue")
			r, err := s.Review(ctx, "1")
			require.NoError(t, err)
			assert.Equal(t, c.hub, r.Grading.Decision, "the grading shows the hub's decision")
			var action, subject string
			require.NoError(t, s.read.QueryRowContext(ctx, `SELECT action, subject FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&action, &subject))
			assert.Equal(t, "hub-decision", action)
			assert.Equal(t, "1", subject)
			_, err = s.VerifyAudit(ctx)
			require.NoError(t, err, "the chain holds")
		})
	}
}
