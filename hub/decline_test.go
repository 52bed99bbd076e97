package hub_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

var staffActor = hub.Actor{Kind: "operator", ID: "op-super-1"}

func TestStaffDeclineIsTheLifecyclesDeclineWithItsReason(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)

	t.Run("a submitted trade-in", func(t *testing.T) {
		ti := l.submitted(t, testIMEI(t, 1))
		require.NoError(t, l.DeclineSubmission(ctx, staffActor, ti.ID, "imei_flagged", "  Reported stolen in the registry  "))
		v, err := l.Submission(ctx, "", ti.ID)
		require.NoError(t, err)
		assert.Equal(t, intake.StatusDeclined, v.TradeIn.Status)
		assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusSubmitted, To: intake.StatusDeclined, Actor: "operator:op-super-1",
			Reason: "The device is flagged by the IMEI check: Reported stolen in the registry", At: l.clock.Now()}, v.History[len(v.History)-1])
	})

	t.Run("an offered one: the open offer is withdrawn", func(t *testing.T) {
		ti, o := l.offered(t, testIMEI(t, 2))
		require.NoError(t, l.DeclineSubmission(ctx, staffActor, ti.ID, "condition", ""))
		v, err := l.Submission(ctx, "", ti.ID)
		require.NoError(t, err)
		assert.Equal(t, intake.StatusDeclined, v.TradeIn.Status)
		assert.Equal(t, "The device's condition is below what we buy", v.History[len(v.History)-1].Reason)
		require.Len(t, v.Offers, 1)
		assert.Equal(t, "superseded", v.Offers[0].Status)
		_, err = l.AnswerOffer(ctx, "", o.ID, true, "")
		refusal(t, err, hub.CodeOfferClosed)
	})

	t.Run("an accepted one leaves stock and owes nothing", func(t *testing.T) {
		ti, o := l.offered(t, testIMEI(t, 3))
		_, err := l.AnswerOffer(ctx, l.customer, o.ID, true, "")
		require.NoError(t, err)
		require.NoError(t, l.DeclineSubmission(ctx, staffActor, ti.ID, "account_locked", ""))
		assert.Equal(t, intake.StatusDeclined, statusOfHub(t, l.Hub, ti.ID))
		stock, err := l.Stock(ctx, productSKU)
		require.NoError(t, err)
		assert.Zero(t, stock)
		_, standing, err := l.PayoutLedger(ctx, ti.ID)
		require.NoError(t, err)
		assert.Equal(t, intake.PayoutVoided, standing.State)
	})
}

func TestStaffDeclineRefusalsChangeNothing(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)
	submitted := l.submitted(t, testIMEI(t, 1))
	accept := func(imei string, found intake.Condition) intake.TradeIn {
		ti, o := l.offered(t, imei)
		_, err := l.AnswerOffer(ctx, l.customer, o.ID, true, "")
		require.NoError(t, err)
		_, err = l.Receive(ctx, admin, ti.ID)
		require.NoError(t, err)
		got, _, err := l.Inspect(ctx, admin, ti.ID, found, "cracked back glass")
		require.NoError(t, err)
		return got
	}
	completed := accept(testIMEI(t, 2), intake.ConditionGood)
	require.Equal(t, intake.StatusCompleted, completed.Status)
	held := accept(testIMEI(t, 3), intake.ConditionPoor)
	require.Equal(t, intake.StatusInspected, held.Status)

	tests := []struct {
		name, id, reason, notes string
		code                    string
		kind                    hub.Kind
		now                     intake.Status
		detail                  string
	}{
		{"an unknown reason", submitted.ID, "because", "", hub.CodeUnknownDeclineReason, hub.KindUnprocessable, "",
			`"because" is not a reason to decline: give one of imei_flagged, not_bought, condition, account_locked, duplicate, no_response, other.`},
		{"no reason", submitted.ID, "", "", hub.CodeUnknownDeclineReason, hub.KindUnprocessable, "",
			`"" is not a reason to decline: give one of imei_flagged, not_bought, condition, account_locked, duplicate, no_response, other.`},
		{"other without notes", submitted.ID, "other", " ", hub.CodeInvalid, hub.KindUnprocessable, "",
			"Say in the notes why the trade-in is declined."},
		{"a completed one", completed.ID, "duplicate", "", hub.CodeInvalidTransition, hub.KindConflict, intake.StatusCompleted,
			"Trade-in TI-2024-000002 is completed: it cannot become declined."},
		{"one held for a supervisor", held.ID, "condition", "", hub.CodeInvalidTransition, hub.KindConflict, intake.StatusInspected,
			"Trade-in TI-2024-000003 is inspected and waits for a supervisor's decision at a bench: decline it there."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := l.Submission(ctx, "", tt.id)
			require.NoError(t, err)
			e := refusal(t, l.DeclineSubmission(ctx, staffActor, tt.id, tt.reason, tt.notes), tt.code)
			assert.Equal(t, tt.kind, e.Kind)
			assert.Equal(t, tt.now, e.CurrentStatus)
			assert.Equal(t, tt.detail, e.Detail)
			after, err := l.Submission(ctx, "", tt.id)
			require.NoError(t, err)
			assert.Equal(t, before, after, "a refusal changes nothing")
		})
	}
	refusal(t, l.DeclineSubmission(ctx, staffActor, "sub_nothere", "duplicate", ""), hub.CodeTradeInNotFound)
}
