package benchsync_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

var (
	clerk = intake.Operator{ID: "op-clerk-1", Name: "Carl Clerk", Role: intake.RoleClerk}
)

func crackedScreen() intake.Inspection {
	in := cleanInspection()
	in.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked
	return in
}

// TestSupervisorDecisionsReachTheHub walks damaged devices from the bench's
// scan to a supervisor's ruling, and checks the hub applied every event the
// bench service wrote: the events as the domain makes them, not hand-built.
func TestSupervisorDecisionsReachTheHub(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 30})
	ctx := context.Background()
	b := newBench(t, h, "bench-a", h.URL)
	b.sync(t)

	tests := []struct {
		req    intake.DecisionRequest
		status intake.Status
	}{
		{intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "crack not disclosed"}, intake.StatusDeclined},
		{intake.DecisionRequest{Kind: intake.DecideOverride, Reason: "goodwill"}, intake.StatusCompleted},
		{intake.DecisionRequest{Kind: intake.DecideCounterOffer, CounterOffer: 100}, intake.StatusInspected},
		{intake.DecisionRequest{Kind: intake.DecideMorePhotos, Reason: "frame not visible"}, intake.StatusInspected},
	}
	var receivable []intake.TradeIn
	for _, ti := range h.Receivable(t) {
		if ti.Disclosed > intake.ConditionPoor {
			receivable = append(receivable, ti)
		}
	}
	require.GreaterOrEqual(t, len(receivable), len(tests))
	// The supervisor logs in as at the bench: the PIN checked offline,
	// then the hub's grant of the session, which signs every decision.
	login := intake.NewLogin(b.store, time.Now).WithGrants(benchsync.Granter{Client: b.client})
	supervisor, err := login.ByPIN(ctx, "op-super-1", "333333")
	require.NoError(t, err)
	require.NotNil(t, supervisor.Session, "the hub granted the supervisor's session")
	for i, tt := range tests {
		ti := receivable[i]
		_, err := b.svc.Receive(ctx, tech, ti.IMEI)
		require.NoError(t, err)
		g, err := b.svc.RecordGrading(ctx, tech, ti.ID, crackedScreen())
		require.NoError(t, err)
		require.True(t, g.Decision.Reroute, "disclosed %s, graded %s", ti.Disclosed, g.Grade.Condition)
		_, err = b.svc.Decide(ctx, b.store, supervisor, ti.ID, tt.req)
		require.NoError(t, err, tt.req.Kind)
	}
	sum := b.sync(t)
	assert.Equal(t, 4*len(tests), sum.Applied, "received, graded, rerouted and decided, for each device")
	assert.Zero(t, sum.Rejected)
	for i, tt := range tests {
		got, err := h.TradeIn(ctx, receivable[i].ID)
		require.NoError(t, err)
		assert.Equal(t, tt.status, got.Status, tt.req.Kind)
	}
	rejected, err := b.store.RejectedEvents(ctx)
	require.NoError(t, err)
	assert.Empty(t, rejected)
}

func TestWalkInsReachTheHubWhichStillArbitrates(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	ctx := context.Background()
	b := newBench(t, h, "counter-1", h.URL)
	b.sync(t)
	client, err := benchsync.NewClient(h.URL, b.token)
	require.NoError(t, err)

	v := demo.Variants()[0]
	variant, err := b.store.Variant(ctx, v.SKU)
	require.NoError(t, err)
	walkIn := func(imei string) intake.WalkIn {
		check, err := client.Check(ctx, imei)
		require.NoError(t, err)
		return intake.WalkIn{Variant: variant, IMEI: imei, Check: check, Customer: intake.Customer{Name: "Grace Hopper"}, Payout: intake.PayoutCash,
			Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearLight, BatteryOK: true}}
	}

	const clean = "358240051111110"
	ti, _, err := b.svc.AcceptWalkIn(ctx, b.store, clerk, walkIn(clean))
	require.NoError(t, err)

	// Checked clean at the counter, then reported stolen before the bench
	// could push: the hub, not the bench, has the last word.
	const stolen = "352099001761481"
	late, _, err := b.svc.AcceptWalkIn(ctx, b.store, clerk, walkIn(stolen))
	require.NoError(t, err)
	require.NoError(t, h.PutFlags(ctx, []hub.RegistryEntry{{Flag: intake.Flag{IMEI: stolen, Kind: intake.FlagBlacklisted,
		Reason: "reported stolen", Since: time.Now().UTC()}}}))

	sum := b.sync(t)
	assert.Equal(t, 1, sum.Applied)
	assert.Equal(t, 1, sum.Rejected)
	got, err := h.TradeIn(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusReceived, got.Status)
	require.NotNil(t, got.Receipt)
	assert.Equal(t, "counter-1", got.Receipt.Bench)
	_, err = h.TradeIn(ctx, late.ID)
	assert.Error(t, err, "the hub bought nothing it flags")

	rejected, err := b.store.RejectedEvents(ctx)
	require.NoError(t, err)
	require.Len(t, rejected, 1, "the refused walk-in is kept for a supervisor")
	assert.Contains(t, string(rejected[0].Result), "imei_flagged")
}
