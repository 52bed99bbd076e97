package hub_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// The hub decides: a bench that sends money, decisions or times of its own
// making is refused, or overruled, as a hostile or broken bench would be.

// TestWalkInMoneyIsTheHubs: a walk-in's offer and payout must be the hub's
// own catalog price for the SKU and the disclosed condition.
func TestWalkInMoneyIsTheHubs(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*walkInPayload)
		code   string
	}{
		{"offer and payout of 90,000,000,000,000,000.00", func(p *walkInPayload) {
			p.TradeIn.Offer, p.Payout.Amount = 9_000_000_000_000_000_000, 9_000_000_000_000_000_000
		}, "amount_out_of_range"},
		{"offer and payout a cent above the catalog", func(p *walkInPayload) {
			p.TradeIn.Offer++
			p.Payout.Amount = p.TradeIn.Offer
		}, "price_mismatch"},
		{"a condition priced higher than disclosed", func(p *walkInPayload) {
			p.TradeIn.Offer = p.TradeIn.Prices[intake.ConditionExcellent]
			p.Payout.Amount = p.TradeIn.Offer
		}, "price_mismatch"},
		{"a SKU the catalog does not list", func(p *walkInPayload) { p.TradeIn.Device.SKU = "NOT-A-SKU" }, "unknown_variant"},
		{"another device than the SKU's", func(p *walkInPayload) { p.TradeIn.Device.Model = "Galaxy S99" }, "invalid_payload"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := hubtest.New(t, hubtest.Config{})
			b := enrollBench(t, h, "bench-1")
			before := b.top(t)
			ev := b.walkIn(t, testIMEI(t, 7), opClerk, tt.change)
			r := b.push(t, ev)[0]
			assert.Equal(t, "rejected", string(r.Status))
			assert.Equal(t, tt.code, r.Code, r.Detail)
			assertNoTradeIn(t, h, ev.TradeInID)
			b.assertNoChangeSince(t, before)
		})
	}

	t.Run("the catalog's price is bought, with the hub's price table", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		var sent walkInPayload
		ev := b.walkIn(t, testIMEI(t, 7), opClerk, func(p *walkInPayload) {
			p.TradeIn.Prices = intake.PriceTable{intake.ConditionGood: p.TradeIn.Offer, intake.ConditionExcellent: 1}
			sent = *p
		})
		r := b.push(t, ev)[0]
		require.Equal(t, "applied", string(r.Status), "%s: %s", r.Code, r.Detail)
		got, err := h.TradeIn(context.Background(), ev.TradeInID)
		require.NoError(t, err)
		assert.Equal(t, sent.TradeIn.Offer, got.Offer)
		assert.NotEqual(t, intake.Cents(1), got.Prices[intake.ConditionExcellent], "the bench's made-up table is not kept")
		assert.Equal(t, got.Prices[intake.ConditionGood], got.Offer)
	})
}

// TestCounterOffersAreBounded: one open counter-offer per trade-in, above
// nothing and at most the original offer.
func TestCounterOffersAreBounded(t *testing.T) {
	for _, tt := range []struct {
		name   string
		amount intake.Cents
		code   string
	}{
		{"negative, -5,000.00", -500_000, "amount_out_of_range"},
		{"zero", 0, "amount_out_of_range"},
		{"9×10^16", 90_000_000_000_000_000, "amount_out_of_range"},
		{"a cent above the original offer", testPrices[intake.ConditionGood] + 1, "amount_out_of_range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := hubtest.New(t, hubtest.Config{})
			b := enrollBench(t, h, "bench-1")
			ti := b.reroutedHere(t, "ti-1", testIMEI(t, 1))
			before := b.top(t)
			d := b.decisionOn(ti, intake.DecideCounterOffer, opSupervisor)
			d.CounterOffer = tt.amount
			r := b.pushOne(t, intake.EventCounterOffer, ti.ID, opSupervisor, d)
			assert.Equal(t, "rejected", string(r.Status))
			assert.Equal(t, tt.code, r.Code, r.Detail)
			b.assertNoChangeSince(t, before)
		})
	}

	t.Run("one open at a time", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		ti := b.reroutedHere(t, "ti-1", testIMEI(t, 1))
		d := b.decisionOn(ti, intake.DecideCounterOffer, opSupervisor)
		d.CounterOffer = testPrices[intake.ConditionGood] // the original offer itself is allowed
		b.mustApply(t, intake.EventCounterOffer, ti.ID, opSupervisor, d)
		d.CounterOffer = testPrices[intake.ConditionPoor]
		r := b.pushOne(t, intake.EventCounterOffer, ti.ID, opSupervisor, d)
		assert.Equal(t, "rejected", string(r.Status))
		assert.Equal(t, "counter_offer_open", r.Code, r.Detail)
	})

	t.Run("expiry after the decision and within 30 days", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		ti := b.reroutedHere(t, "ti-1", testIMEI(t, 1))
		for _, expires := range []time.Duration{-time.Hour, 31 * 24 * time.Hour} {
			d := b.decisionOn(ti, intake.DecideCounterOffer, opSupervisor)
			d.Expires = d.At.Add(expires)
			r := b.pushOne(t, intake.EventCounterOffer, ti.ID, opSupervisor, d)
			assert.Equal(t, "invalid_payload", r.Code, "expires %s after: %s", expires, r.Detail)
		}
	})
}

// TestTheHubDecidesOnArrival: the bench's damaged-on-arrival decision is
// advisory. A device disclosed good and graded worse is rerouted by the
// hub even when the bench says not to; one graded as disclosed cannot be
// rerouted by a bench that says to.
func TestTheHubDecidesOnArrival(t *testing.T) {
	t.Run("graded worse, sent with reroute false", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		ti := b.receivedHere(t, "ti-1", testIMEI(t, 1))
		g := b.gradingOf(t, ti)
		g.Decision = intake.Decision{Disclosed: ti.Disclosed, Graded: g.Grade.Condition, Offer: ti.Offer, GradedPrice: ti.Offer}
		r := b.pushOne(t, intake.EventGraded, ti.ID, opTechnician, g)
		require.Equal(t, "applied", string(r.Status), "%s: %s", r.Code, r.Detail)
		require.NotNil(t, r.Decision, "the push result says the hub decided otherwise")
		assert.True(t, r.Decision.Reroute)
		assert.Equal(t, intake.ConditionGood, r.Decision.Disclosed)
		assert.Equal(t, testPrices[intake.ConditionGood], r.Decision.Offer)
		assert.Equal(t, testPrices[r.Decision.Graded], r.Decision.GradedPrice, "priced from the hub's trade-in")
		// The payout is held: a supervisor decides, and is not told there
		// is nothing to decide.
		b.mustApply(t, intake.EventPayoutDeclined, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideDecline, opSupervisor))
		assert.Equal(t, "declined", statusOf(t, h, ti.ID))
	})

	t.Run("graded worse and rerouted by the bench too", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		ti := b.receivedHere(t, "ti-1", testIMEI(t, 1))
		g := b.gradingOf(t, ti)
		r := b.pushOne(t, intake.EventGraded, ti.ID, opTechnician, g)
		require.Equal(t, "applied", string(r.Status))
		assert.Nil(t, r.Decision, "the same decision needs no correction")
		b.mustApply(t, intake.EventRerouted, ti.ID, opTechnician, g.Decision)
	})

	t.Run("graded as disclosed, sent with a reroute", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		ti := b.receivedHere(t, "ti-1", testIMEI(t, 1))
		g := b.gradingAsDisclosed(t, ti)
		g.Decision.Reroute, g.Decision.GradedPrice = true, 100
		r := b.pushOne(t, intake.EventGraded, ti.ID, opTechnician, g)
		require.Equal(t, "applied", string(r.Status))
		require.NotNil(t, r.Decision)
		assert.False(t, r.Decision.Reroute)
		before := b.top(t)
		r = b.pushOne(t, intake.EventRerouted, ti.ID, opTechnician, g.Decision)
		assert.Equal(t, "rejected", string(r.Status))
		assert.Equal(t, "decision_mismatch", r.Code, r.Detail)
		require.NotNil(t, r.Decision)
		assert.False(t, r.Decision.Reroute)
		b.assertNoChangeSince(t, before)
		d := b.pushOne(t, intake.EventOverrideAccepted, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideOverride, opSupervisor))
		assert.Equal(t, "not_rerouted", d.Code, "no payout is held: %s", d.Detail)
	})
}

// TestEventTimesAreBelievable: an event dated before 2000 or more than a
// day ahead of the hub's clock is refused.
func TestEventTimesAreBelievable(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-1")
	ti := putTradeIn(t, h, newTradeIn("ti-1", testIMEI(t, 1)))
	for _, at := range []time.Time{
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), // year 1; the zero time the contract refuses already
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Now().Add(25 * time.Hour),
		time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
	} {
		ev := b.newEvent(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
		ev.At = at
		r := b.push(t, ev)[0]
		assert.Equal(t, "event_time_out_of_range", r.Code, "at %s: %s", at, r.Detail)
	}
	assert.Equal(t, "accepted", statusOf(t, h, ti.ID))
	ev := b.newEvent(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
	ev.At = time.Now().Add(23 * time.Hour)
	assert.Equal(t, "applied", string(b.push(t, ev)[0].Status), "a clock a little ahead is believed")
}

// TestEventsAreTheTokensBench: an event naming another bench is recorded
// as the authenticated bench's.
func TestEventsAreTheTokensBench(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	enrollBench(t, h, "bench-2")
	b := enrollBench(t, h, "bench-1")
	ti := putTradeIn(t, h, newTradeIn("ti-1", testIMEI(t, 1)))
	ev := b.newEvent(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
	ev.Bench = "bench-2"
	r := b.push(t, ev)[0]
	require.Equal(t, "applied", string(r.Status), "%s: %s", r.Code, r.Detail)
	ctx := context.Background()
	theirs, err := h.BenchEvents(ctx, "bench-2")
	require.NoError(t, err)
	assert.Empty(t, theirs, "nothing is recorded as bench-2's")
	ours, err := h.BenchEvents(ctx, "bench-1")
	require.NoError(t, err)
	require.Len(t, ours, 1)
	assert.Equal(t, ev.Key, ours[0].Key)
	assert.Equal(t, wire.StatusApplied, ours[0].Status, "recorded as applied")
	got, err := h.TradeIn(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, "bench-1", got.Receipt.Bench)
}

// TestWalkInsAreOnceAndReported: a walk-in may not reuse the id of a
// trade-in the hub holds, whatever its status, and an applied walk-in goes
// to the outbox like any applied event.
func TestWalkInsAreOnceAndReported(t *testing.T) {
	sink := &recordingSink{}
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Outbox: sink}})
	b := enrollBench(t, h, "bench-1")
	done := newTradeIn("ti-done", testIMEI(t, 3))
	done.Status = intake.StatusCompleted
	putTradeIn(t, h, done)
	reused := b.walkIn(t, testIMEI(t, 4), opClerk, nil)
	var p walkInPayload
	require.NoError(t, json.Unmarshal(reused.Payload, &p))
	p.TradeIn.ID, p.TradeIn.Receipt.TradeInID = done.ID, done.ID
	reused.TradeInID = done.ID
	var err error
	reused.Payload, err = json.Marshal(p)
	require.NoError(t, err)
	r := b.push(t, reused)[0]
	assert.Equal(t, "tradein_open", r.Code, "the id of a completed trade-in: %s", r.Detail)
	assert.Equal(t, "completed", statusOf(t, h, done.ID))
	assert.Empty(t, sink.kinds, "a refused walk-in reports nothing")

	ev := b.walkIn(t, testIMEI(t, 5), opClerk, nil)
	require.Equal(t, "applied", string(b.push(t, ev)[0].Status))
	require.Equal(t, []string{string(intake.EventWalkInAccepted)}, sink.kinds)
	assert.Equal(t, ev.TradeInID, sink.events[0].TradeIn.ID)
	assert.Equal(t, "bench-1", sink.events[0].Bench)
}

// TestAQuarantineIsADevicesRecord: a payload that is no quarantined device
// is refused for what it is.
func TestAQuarantineIsADevicesRecord(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-1")
	for _, payload := range []any{"a string", []int{1, 2}, map[string]any{"scan": 42}} {
		r := b.pushOne(t, intake.EventQuarantined, "", opTechnician, payload)
		assert.Equal(t, "invalid_payload", r.Code, "%v", payload)
		assert.Equal(t, "The payload is not a quarantined device.", r.Detail)
	}
	quarantines, err := h.Quarantines(context.Background())
	require.NoError(t, err)
	assert.Empty(t, quarantines)
}

// TestReceiptsAndGradingsAreOfTheirTradeIn: a receipt naming another
// trade-in is refused; a device may be graded again while inspected.
func TestReceiptsAndGradingsAreOfTheirTradeIn(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-1")
	ti := putTradeIn(t, h, newTradeIn("ti-1", testIMEI(t, 1)))
	putTradeIn(t, h, newTradeIn("ti-2", testIMEI(t, 2)))
	r := b.receiptOf(ti, opTechnician)
	r.TradeInID = "ti-2"
	res := b.pushOne(t, intake.EventReceived, ti.ID, opTechnician, r)
	assert.Equal(t, "invalid_payload", res.Code, res.Detail)
	assert.Equal(t, "accepted", statusOf(t, h, ti.ID))

	b.mustApply(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
	b.mustApply(t, intake.EventGraded, ti.ID, opTechnician, b.gradingOf(t, ti))
	b.mustApply(t, intake.EventGraded, ti.ID, opTechnician, b.gradingOf(t, ti))
	assert.Equal(t, "inspected", statusOf(t, h, ti.ID), "graded twice while held, still inspected")
	// Graded again as disclosed, the device is complete; a completed
	// trade-in is graded no more.
	b.mustApply(t, intake.EventGraded, ti.ID, opTechnician, b.gradingAsDisclosed(t, ti))
	assert.Equal(t, "completed", statusOf(t, h, ti.ID))
	res = b.pushOne(t, intake.EventGraded, ti.ID, opTechnician, b.gradingAsDisclosed(t, ti))
	assert.Equal(t, wire.RejectInvalidState, res.Code, res.Detail)
}
