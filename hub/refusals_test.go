package hub_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestHubChecksTheOperatorsRole: a bench checks roles before it records an
// event, but a bench is only a client, and an old, patched or buggy one can
// send what its operator may not do. The hub must refuse it on its own, and
// refuse it whole.
func TestHubChecksTheOperatorsRole(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-1")
	// Rerouted: a supervisor's decision on it would be applied, so the role
	// is the only thing wrong with the events below.
	ti := b.reroutedHere(t, "ti-role", testIMEI(t, 1))

	tests := []struct {
		name     string
		operator string
		kind     intake.DecisionKind
	}{
		{"technician accepts the payout anyway", opTechnician, intake.DecideOverride},
		{"clerk accepts the payout anyway", opClerk, intake.DecideOverride},
		{"technician declines the payout", opTechnician, intake.DecideDecline},
		{"clerk declines the payout", opClerk, intake.DecideDecline},
		{"technician makes a counter-offer", opTechnician, intake.DecideCounterOffer},
		{"clerk asks for more photos", opClerk, intake.DecideMorePhotos},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := b.top(t)
			r := b.pushOne(t, decisionEvent(t, tt.kind), ti.ID, tt.operator, b.decisionOn(ti, tt.kind, tt.operator))
			assert.Equal(t, "rejected", string(r.Status))
			assert.Equal(t, "operator_not_allowed", r.Code, r.Detail)
			assert.Equal(t, "inspected", statusOf(t, h, ti.ID), "the payout is still held")
			b.assertNoChangeSince(t, before)
		})
	}

	// The same event from a supervisor is applied: the refusals above were
	// for the role alone.
	r := b.pushOne(t, intake.EventOverrideAccepted, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideOverride, opSupervisor))
	require.Equal(t, "applied", string(r.Status), "%s: %s", r.Code, r.Detail)
	assert.Equal(t, "completed", statusOf(t, h, ti.ID))
}

// TestRerouteAndDecisionGuards: the supervisor queue holds a payout only
// while a device is inspected and rerouted, and a decision settles it once.
func TestRerouteAndDecisionGuards(t *testing.T) {
	t.Run("only an inspected device is rerouted", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		received := b.receivedHere(t, "ti-received", testIMEI(t, 1))
		decided := b.reroutedHere(t, "ti-decided", testIMEI(t, 2))
		b.mustApply(t, intake.EventOverrideAccepted, decided.ID, opSupervisor, b.decisionOn(decided, intake.DecideOverride, opSupervisor))

		tests := []struct {
			name string
			ti   intake.TradeIn
			want string
		}{
			{"received, not graded", received, "received"},
			{"decided and paid", decided, "completed"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				require.Equal(t, tt.want, statusOf(t, h, tt.ti.ID))
				before := b.top(t)
				r := b.pushOne(t, intake.EventRerouted, tt.ti.ID, opTechnician, b.gradingOf(t, tt.ti).Decision)
				assert.Equal(t, "rejected", string(r.Status))
				assert.Equal(t, "invalid_transition", r.Code, r.Detail)
				assert.Equal(t, tt.want, statusOf(t, h, tt.ti.ID))
				b.assertNoChangeSince(t, before)
			})
		}
	})

	t.Run("a supervisor decides only what was rerouted", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		// Graded as disclosed: no payout is held, so there is nothing to
		// decide.
		ti := b.receivedHere(t, "ti-graded", testIMEI(t, 1))
		b.mustApply(t, intake.EventGraded, ti.ID, opTechnician, b.gradingAsDisclosed(t, ti))
		for _, kind := range []intake.DecisionKind{intake.DecideOverride, intake.DecideDecline, intake.DecideCounterOffer, intake.DecideMorePhotos} {
			t.Run(string(kind), func(t *testing.T) {
				before := b.top(t)
				r := b.pushOne(t, decisionEvent(t, kind), ti.ID, opSupervisor, b.decisionOn(ti, kind, opSupervisor))
				assert.Equal(t, "rejected", string(r.Status))
				assert.Equal(t, "not_rerouted", r.Code, r.Detail)
				assert.Equal(t, "completed", statusOf(t, h, ti.ID), "as disclosed, it completed at its grading")
				b.assertNoChangeSince(t, before)
			})
		}
	})

	t.Run("a decided payout is not decided again", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		firsts := []struct {
			kind intake.DecisionKind
			want string
		}{
			{intake.DecideOverride, "completed"},
			{intake.DecideDecline, "declined"},
		}
		for i, first := range firsts {
			ti := b.reroutedHere(t, "ti-"+string(first.kind), testIMEI(t, 10+i))
			b.mustApply(t, decisionEvent(t, first.kind), ti.ID, opSupervisor, b.decisionOn(ti, first.kind, opSupervisor))
			require.Equal(t, first.want, statusOf(t, h, ti.ID))
			// The decisions that move no status (a counter-offer, more
			// photos) are the ones only this guard stops.
			for _, second := range []intake.DecisionKind{intake.DecideOverride, intake.DecideDecline, intake.DecideCounterOffer, intake.DecideMorePhotos} {
				t.Run(string(first.kind)+" then "+string(second), func(t *testing.T) {
					before := b.top(t)
					r := b.pushOne(t, decisionEvent(t, second), ti.ID, opSupervisor, b.decisionOn(ti, second, opSupervisor))
					assert.Equal(t, "rejected", string(r.Status))
					assert.Equal(t, "invalid_transition", r.Code, r.Detail)
					assert.Contains(t, r.Detail, "decided already")
					assert.Equal(t, first.want, statusOf(t, h, ti.ID))
					b.assertNoChangeSince(t, before)
				})
			}
		}
	})

	t.Run("asking for more photos does not decide", func(t *testing.T) {
		// The guard is about the status, not about any decision recorded:
		// after more photos the supervisor still decides.
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		ti := b.reroutedHere(t, "ti-photos", testIMEI(t, 1))
		b.mustApply(t, intake.EventPhotosRequested, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideMorePhotos, opSupervisor))
		b.mustApply(t, intake.EventOverrideAccepted, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideOverride, opSupervisor))
		assert.Equal(t, "completed", statusOf(t, h, ti.ID))
	})
}

// TestWalkInRefusals: a walk-in is the one event that creates a trade-in at
// the hub, with a payout owed. The bench checked all of this against its
// cache; the hub checks it again against the truth, and a refused walk-in
// must leave no trade-in behind.
func TestWalkInRefusals(t *testing.T) {
	imei := testIMEI(t, 999) // held by nothing unless a case sets it up
	tests := []struct {
		name     string
		setup    func(t *testing.T, h *hubtest.Hub)
		operator string
		change   func(*walkInPayload)
		code     string
	}{
		{
			name: "payout below the quoted offer", operator: opClerk,
			change: func(p *walkInPayload) { p.Payout.Amount = p.TradeIn.Offer - 1 },
			code:   "invalid_payload",
		},
		{
			name: "payout above the quoted offer", operator: opClerk,
			change: func(p *walkInPayload) { p.Payout.Amount = p.TradeIn.Offer + 10000 },
			code:   "invalid_payload",
		},
		{
			name: "IMEI flagged by the registry", operator: opClerk,
			setup: func(t *testing.T, h *hubtest.Hub) {
				require.NoError(t, h.PutFlags(context.Background(), []hub.RegistryEntry{{Flag: intake.Flag{
					IMEI: imei, Kind: intake.FlagBlacklisted, Reason: "reported stolen", Since: time.Now().UTC()}}}))
			},
			code: "imei_flagged",
		},
		{
			name: "IMEI of an open trade-in", operator: opClerk,
			setup: func(t *testing.T, h *hubtest.Hub) { putTradeIn(t, h, newTradeIn("ti-open", imei)) },
			code:  "tradein_open",
		},
		{
			name: "IMEI is the second IMEI of an open trade-in", operator: opClerk,
			setup: func(t *testing.T, h *hubtest.Hub) {
				ti := newTradeIn("ti-open-dual", testIMEI(t, 500))
				ti.IMEI2 = imei
				putTradeIn(t, h, ti)
			},
			code: "tradein_open",
		},
		{
			name: "receipt names another bench", operator: opClerk,
			change: func(p *walkInPayload) { p.TradeIn.Receipt.Bench = "bench-2" },
			code:   "invalid_payload",
		},
		{
			name: "technician buys a walk-in", operator: opTechnician,
			code: "operator_not_allowed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hubtest.New(t, hubtest.Config{})
			enrollBench(t, h, "bench-2") // the other bench a receipt may name
			b := enrollBench(t, h, "bench-1")
			if tt.setup != nil {
				tt.setup(t, h)
			}
			before := b.top(t)
			ev := b.walkIn(t, imei, tt.operator, tt.change)
			r := b.push(t, ev)[0]
			assert.Equal(t, "rejected", string(r.Status))
			assert.Equal(t, tt.code, r.Code, r.Detail)
			assertNoTradeIn(t, h, ev.TradeInID)
			_, received, err := h.Receipt(context.Background(), ev.TradeInID)
			require.NoError(t, err)
			assert.False(t, received, "no device was received")
			b.assertNoChangeSince(t, before)
		})
	}

	// The walk-in the refusals spoil is a good one, and an IMEI whose
	// trade-in is over may be bought again: the refusals above come from
	// what each case changed.
	t.Run("a good walk-in is bought", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		done := newTradeIn("ti-done", imei)
		done.Status = intake.StatusCompleted
		putTradeIn(t, h, done)
		before := b.top(t)
		ev := b.walkIn(t, imei, opClerk, nil)
		r := b.push(t, ev)[0]
		require.Equal(t, "applied", string(r.Status), "%s: %s", r.Code, r.Detail)
		assert.Equal(t, "received", statusOf(t, h, ev.TradeInID))
		changes, _ := b.pullAll(t, before, wire.MaxPageChanges)
		require.Len(t, changes, 1)
		assert.Equal(t, ev.TradeInID, changes[0].ID)
	})
}

// TestEventsCountForTheTokensBench: a token is one bench's, and what the
// hub records of a push it records for that bench, whatever the body says.
func TestEventsCountForTheTokensBench(t *testing.T) {
	t.Run("a push naming another bench is refused whole", func(t *testing.T) {
		for _, other := range []string{"bench-2", "bench-never-enrolled"} {
			t.Run(other, func(t *testing.T) {
				h := hubtest.New(t, hubtest.Config{})
				enrollBench(t, h, "bench-2")
				b := enrollBench(t, h, "bench-1")
				ti := putTradeIn(t, h, newTradeIn("ti-1", testIMEI(t, 1)))
				before := b.top(t)

				ev := b.newEvent(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
				ev.Bench = other // the body is consistent with itself, only not with the token
				a := b.pushAs(t, other, ev)
				assert.Equal(t, http.StatusForbidden, a.status)
				assert.Equal(t, "bench_mismatch", a.problem(t).Code)

				assert.Equal(t, "accepted", statusOf(t, h, ti.ID))
				_, received, err := h.Receipt(context.Background(), ti.ID)
				require.NoError(t, err)
				assert.False(t, received)
				b.assertNoChangeSince(t, before)

				// The refused push took no sequence number: the bench's own
				// first event is still the first.
				b.seq = 0
				r := b.pushOne(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
				assert.Equal(t, "applied", string(r.Status), "%s: %s", r.Code, r.Detail)
			})
		}
	})

	// The hub does not compare an event's own bench field with the token.
	// What it must never do is believe it: a bench would then act on
	// another bench's devices, or receive in its name.
	t.Run("an event naming another bench does not act for it", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b2 := enrollBench(t, h, "bench-2")
		b := enrollBench(t, h, "bench-1")
		theirs := b2.receivedHere(t, "ti-theirs", testIMEI(t, 1))
		fresh := putTradeIn(t, h, newTradeIn("ti-fresh", testIMEI(t, 2)))

		grading := b2.gradingOf(t, theirs)
		ev := b.newEvent(t, intake.EventGraded, theirs.ID, opTechnician, grading)
		ev.Bench = "bench-2"
		r := b.push(t, ev)[0]
		assert.Equal(t, "rejected", string(r.Status))
		assert.Equal(t, "not_received_here", r.Code, r.Detail)
		assert.Equal(t, "received", statusOf(t, h, theirs.ID), "bench-1 graded bench-2's device")

		receipt := b2.receiptOf(fresh, opTechnician)
		ev = b.newEvent(t, intake.EventReceived, fresh.ID, opTechnician, receipt)
		ev.Bench = "bench-2"
		// Applied or refused is the hub's choice; a receipt, if there is
		// one, must be bench-1's.
		b.push(t, ev)
		if got, ok, err := h.Receipt(context.Background(), fresh.ID); assert.NoError(t, err) && ok {
			assert.Equal(t, "bench-1", got.Bench, "a receipt is the token's bench's")
		}
		r = b2.pushOne(t, intake.EventGraded, fresh.ID, opTechnician, b2.gradingOf(t, fresh))
		assert.Equal(t, "not_received_here", r.Code, "bench-2 never received the device: %s", r.Detail)
	})
}
