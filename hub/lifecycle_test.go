package hub_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// The catalog product of the lifecycle tests, priced as the real catalog
// prices an iPhone 13 128GB.
const productSKU = "prod_123"

var productPrices = intake.PriceTable{
	intake.ConditionNew: 45000, intake.ConditionExcellent: 41000, intake.ConditionGood: 35000,
	intake.ConditionFair: 26000, intake.ConditionPoor: 14000, intake.ConditionBroken: 5000,
}

// lifecycleHub is a hub on a fake clock with the product in its catalog
// and a registered customer.
type lifecycleHub struct {
	*hub.Hub
	clock    *clock.Fake
	customer string
}

func newLifecycleHub(t *testing.T) *lifecycleHub {
	t.Helper()
	ctx := context.Background()
	c := clock.NewFake(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC))
	h, err := hub.Open(ctx, hubtest.DSN(t), hub.Config{Now: c.Now})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	require.NoError(t, h.PutVariants(ctx, []wire.Variant{{SKU: productSKU, Make: "Apple", Model: "iPhone 13", Storage: "128GB",
		Carrier: "Unlocked", Prices: productPrices}}))
	cust, err := h.Register(ctx, hub.RegisterInput{Email: "Ada@Example.com", Password: "correct horse", Name: "Ada Lovelace"})
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", cust.Email, "addresses are kept in lower case")
	return &lifecycleHub{Hub: h, clock: c, customer: cust.ID}
}

var admin = hub.Actor{Kind: "admin", ID: "test"}

// submitted is a submitted trade-in of the product in good condition,
// with serial (an IMEI or a serial number).
func (l *lifecycleHub) submitted(t *testing.T, serial string) intake.TradeIn {
	t.Helper()
	ctx := context.Background()
	ti, err := l.CreateSubmission(ctx, l.customer, hub.SubmissionInput{ProductID: productSKU, SerialNumber: serial, Condition: "good",
		Description: "Minor scratches on grip"})
	require.NoError(t, err)
	require.Equal(t, intake.StatusDraft, ti.Status)
	ti, err = l.SubmitSubmission(ctx, l.customer, ti.ID)
	require.NoError(t, err)
	require.Equal(t, intake.StatusSubmitted, ti.Status)
	return ti
}

// offered is submitted and offered $350.00 for a week.
func (l *lifecycleHub) offered(t *testing.T, imei string) (intake.TradeIn, hubdb.Offer) {
	t.Helper()
	ti := l.submitted(t, imei)
	o, err := l.SendOffer(context.Background(), admin, hub.OfferInput{SubmissionID: ti.ID, Amount: 35000, Notes: "Based on good condition assessment",
		ExpiresAt: l.clock.Now().Add(7 * 24 * time.Hour)})
	require.NoError(t, err)
	return ti, o
}

// refusal asserts err is the hub refusing with code, and returns it.
func refusal(t *testing.T, err error, code string) *hub.Error {
	t.Helper()
	var e *hub.Error
	require.True(t, errors.As(err, &e), "want a refusal %s, got %v", code, err)
	assert.Equal(t, code, e.Code, e.Detail)
	return e
}

func TestAnOfferNeedsAnIMEICheckThatFoundTheDeviceClean(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)
	clean, flagged, flaggedLater := testIMEI(t, 1), testIMEI(t, 2), testIMEI(t, 3)
	require.NoError(t, l.PutFlags(ctx, []hub.RegistryEntry{{Flag: intake.Flag{IMEI: flagged, Kind: intake.FlagBlacklisted, Reason: "reported stolen",
		Since: l.clock.Now()}}}))
	offer := func(id string) error {
		_, err := l.SendOffer(ctx, admin, hub.OfferInput{SubmissionID: id, Amount: 35000, ExpiresAt: l.clock.Now().Add(time.Hour)})
		return err
	}

	// Seed 003's serial number is no IMEI: nothing was checked.
	bySerial := l.submitted(t, "SN-12345678")
	assert.Equal(t, "SN-12345678", bySerial.Serial)
	refusal(t, offer(bySerial.ID), hub.CodeIMEICheckRequired)
	check, err := l.CheckSubmissionIMEI(ctx, admin, bySerial.ID, clean)
	require.NoError(t, err)
	assert.Equal(t, intake.IMEIClean, check.Status)
	assert.Equal(t, "Unlocked", check.Carrier, "the carrier the catalog knows")
	require.NoError(t, offer(bySerial.ID))

	// Submitting with an IMEI checks it at once; a flagged one is never offered.
	stolen := l.submitted(t, flagged)
	v, err := l.Submission(ctx, "", stolen.ID)
	require.NoError(t, err)
	require.NotNil(t, v.IMEICheck)
	assert.Equal(t, intake.IMEIStatus("blacklisted"), v.IMEICheck.Status)
	e := refusal(t, offer(stolen.ID), hub.CodeIMEIFlagged)
	assert.Equal(t, "IMEI "+flagged+" is blacklisted: a flagged device is not offered for.", e.Detail)
	assert.Equal(t, intake.StatusSubmitted, statusOfHub(t, l.Hub, stolen.ID), "a refused offer changes nothing")

	// A flag that arrives after the check still stops the offer.
	late := l.submitted(t, flaggedLater)
	require.NoError(t, l.PutFlags(ctx, []hub.RegistryEntry{{Flag: intake.Flag{IMEI: flaggedLater, Kind: intake.FlagFinanceLocked,
		Reason: "balance owed", Since: l.clock.Now()}, Balance: 12000}}))
	refusal(t, offer(late.ID), hub.CodeIMEIFlagged)
}

func statusOfHub(t *testing.T, h *hub.Hub, id string) intake.Status {
	t.Helper()
	ti, err := h.TradeIn(context.Background(), id)
	require.NoError(t, err)
	return ti.Status
}

func TestAnExpiredOfferCannotBeAccepted(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)
	ti, o := l.offered(t, testIMEI(t, 1))
	assert.Equal(t, time.Date(2024, 1, 22, 9, 0, 0, 0, time.UTC), o.ExpiresAt)

	l.clock.Advance(7 * 24 * time.Hour) // exactly at expires_at
	_, err := l.AnswerOffer(ctx, l.customer, o.ID, true, "")
	e := refusal(t, err, hub.CodeOfferExpired)
	assert.Equal(t, intake.StatusOffered, e.CurrentStatus)
	assert.Equal(t, intake.StatusOffered, statusOfHub(t, l.Hub, ti.ID))
	stock, err := l.Stock(ctx, productSKU)
	require.NoError(t, err)
	assert.Zero(t, stock)

	// The queue can quote again, and the new offer can be taken.
	o2, err := l.SendOffer(ctx, admin, hub.OfferInput{SubmissionID: ti.ID, Amount: 33000, ExpiresAt: l.clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, err = l.AnswerOffer(ctx, l.customer, o.ID, true, "")
	refusal(t, err, hub.CodeOfferClosed)
	accepted, err := l.AnswerOffer(ctx, l.customer, o2.ID, true, "")
	require.NoError(t, err)
	assert.Equal(t, intake.StatusAccepted, accepted.Status)
	assert.Equal(t, intake.Cents(33000), accepted.Offer)
}

func TestAcceptingCountsStockCreatesTheUnitAndOwesThePayout(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)
	imei := testIMEI(t, 1)
	ti, o := l.offered(t, imei)

	_, err := l.AnswerOffer(ctx, "someone-else", o.ID, true, "")
	refusal(t, err, hub.CodeOfferNotFound)
	accepted, err := l.AnswerOffer(ctx, l.customer, o.ID, true, "")
	require.NoError(t, err)
	assert.Equal(t, intake.StatusAccepted, accepted.Status)

	stock, err := l.Stock(ctx, productSKU)
	require.NoError(t, err)
	assert.Equal(t, int64(1), stock, "seed 001: stock on the matching product goes up by one")
	v, err := l.Submission(ctx, l.customer, ti.ID)
	require.NoError(t, err)
	require.NotNil(t, v.Unit)
	assert.Equal(t, imei, v.Unit.IMEI)
	assert.Equal(t, "expected", v.Unit.Status)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutOwed, Amount: 35000, Method: intake.PayoutStoreCredit}, v.Payout)
	assert.Equal(t, []intake.Status{intake.StatusDraft, intake.StatusSubmitted, intake.StatusOffered, intake.StatusAccepted}, historyStatuses(v.History))

	_, err = l.AnswerOffer(ctx, l.customer, o.ID, true, "")
	e := refusal(t, err, hub.CodeOfferClosed)
	assert.Equal(t, intake.StatusAccepted, e.CurrentStatus)
}

func historyStatuses(hs []hubdb.HistoryEntry) []intake.Status {
	var out []intake.Status
	for _, h := range hs {
		out = append(out, h.To)
	}
	return out
}

func TestADeclineIsArchivedWithItsReasonAndCanBeCounterQuoted(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)
	ti, o := l.offered(t, testIMEI(t, 1))

	declined, err := l.AnswerOffer(ctx, l.customer, o.ID, false, "Found a better price")
	require.NoError(t, err)
	assert.Equal(t, intake.StatusDeclined, declined.Status)
	stock, err := l.Stock(ctx, productSKU)
	require.NoError(t, err)
	assert.Zero(t, stock, "seed 001: no stock changes on decline")
	v, err := l.Submission(ctx, "", ti.ID)
	require.NoError(t, err)
	last := v.History[len(v.History)-1]
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusOffered, To: intake.StatusDeclined, Actor: "customer:" + l.customer,
		Reason: "Found a better price", At: l.clock.Now()}, last)
	assert.Equal(t, intake.PayoutNone, v.Payout.State)

	counter, err := l.SendOffer(ctx, admin, hub.OfferInput{SubmissionID: ti.ID, Amount: 37500, Notes: "Counter-quote",
		ExpiresAt: l.clock.Now().Add(48 * time.Hour)})
	require.NoError(t, err, "seed 001: a counter-quote from the same queue at any time")
	assert.Equal(t, intake.StatusOffered, statusOfHub(t, l.Hub, ti.ID))
	_, err = l.AnswerOffer(ctx, l.customer, counter.ID, true, "")
	require.NoError(t, err)
	_, standing, err := l.PayoutLedger(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutOwed, Amount: 37500, Method: intake.PayoutStoreCredit}, standing)
}

func TestIllegalMovesAnswerTheCurrentStatus(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)
	draft, err := l.CreateSubmission(ctx, l.customer, hub.SubmissionInput{ProductID: productSKU, Condition: "good", SerialNumber: testIMEI(t, 1)})
	require.NoError(t, err)
	submitted := l.submitted(t, testIMEI(t, 2))
	offered, _ := l.offered(t, testIMEI(t, 3))
	acceptedTI, o := l.offered(t, testIMEI(t, 4))
	_, err = l.AnswerOffer(ctx, l.customer, o.ID, true, "")
	require.NoError(t, err)

	tests := []struct {
		name string
		do   func() error
		code string
		now  intake.Status
	}{
		{"offer on a draft", func() error {
			_, err := l.SendOffer(ctx, admin, hub.OfferInput{SubmissionID: draft.ID, Amount: 100, ExpiresAt: l.clock.Now().Add(time.Hour)})
			return err
		}, hub.CodeInvalidTransition, intake.StatusDraft},
		{"ship a draft", func() error { _, err := l.Ship(ctx, admin, "", draft.ID, ""); return err }, hub.CodeInvalidTransition, intake.StatusDraft},
		{"receive a submitted one", func() error { _, err := l.Receive(ctx, admin, submitted.ID); return err }, hub.CodeInvalidTransition, intake.StatusSubmitted},
		{"inspect an offered one", func() error {
			_, _, err := l.Inspect(ctx, admin, offered.ID, intake.ConditionGood, "")
			return err
		}, hub.CodeInvalidTransition, intake.StatusOffered},
		{"ship before accepting", func() error { _, err := l.Ship(ctx, admin, "", offered.ID, ""); return err }, hub.CodeInvalidTransition, intake.StatusOffered},
		{"submit twice", func() error { _, err := l.SubmitSubmission(ctx, l.customer, submitted.ID); return err }, hub.CodeInvalidTransition, intake.StatusSubmitted},
		{"update after submitting", func() error {
			_, err := l.UpdateSubmission(ctx, l.customer, submitted.ID, hub.SubmissionInput{ProductID: productSKU})
			return err
		}, hub.CodeNotEditable, intake.StatusSubmitted},
		{"offer on an accepted one", func() error {
			_, err := l.SendOffer(ctx, admin, hub.OfferInput{SubmissionID: acceptedTI.ID, Amount: 100, ExpiresAt: l.clock.Now().Add(time.Hour)})
			return err
		}, hub.CodeInvalidTransition, intake.StatusAccepted},
		{"inspect an accepted one", func() error {
			_, _, err := l.Inspect(ctx, admin, acceptedTI.ID, intake.ConditionGood, "")
			return err
		}, hub.CodeInvalidTransition, intake.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := refusal(t, tt.do(), tt.code)
			assert.Equal(t, hub.KindConflict, e.Kind)
			assert.Equal(t, tt.now, e.CurrentStatus)
		})
	}
}

func TestAnAdminReceiptAndInspectionCompleteOrHold(t *testing.T) {
	ctx := context.Background()
	l := newLifecycleHub(t)
	accept := func(imei string) intake.TradeIn {
		ti, o := l.offered(t, imei)
		_, err := l.AnswerOffer(ctx, l.customer, o.ID, true, "")
		require.NoError(t, err)
		_, err = l.Ship(ctx, hub.Actor{Kind: "customer", ID: l.customer}, l.customer, ti.ID, "9400100000000000000001")
		require.NoError(t, err)
		got, err := l.Receive(ctx, admin, ti.ID)
		require.NoError(t, err)
		require.Equal(t, intake.StatusReceived, got.Status)
		return got
	}

	asDisclosed := accept(testIMEI(t, 1))
	done, d, err := l.Inspect(ctx, admin, asDisclosed.ID, intake.ConditionGood, "")
	require.NoError(t, err)
	assert.False(t, d.Reroute)
	assert.Equal(t, intake.StatusCompleted, done.Status, "as disclosed completes it without a supervisor")
	entries, standing, err := l.PayoutLedger(ctx, asDisclosed.ID)
	require.NoError(t, err)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation, intake.PayoutRelease}, kinds(entries))
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutDue, Amount: 35000, Method: intake.PayoutStoreCredit}, standing)
	require.NoError(t, l.SettleByHand(ctx, admin, asDisclosed.ID, "VOUCHER-0001"))
	_, standing, err = l.PayoutLedger(ctx, asDisclosed.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.PayoutSettled, standing.State)
	refusal(t, l.SettleByHand(ctx, admin, asDisclosed.ID, "VOUCHER-0002"), hub.CodePayoutNotDue)

	worse := accept(testIMEI(t, 2))
	held, d, err := l.Inspect(ctx, admin, worse.ID, intake.ConditionPoor, "cracked back glass")
	require.NoError(t, err)
	assert.True(t, d.Reroute)
	assert.Equal(t, intake.Cents(14000), d.GradedPrice, "the catalog's price of a poor one")
	assert.Equal(t, intake.StatusInspected, held.Status, "worse than disclosed waits for a supervisor")
	_, standing, err = l.PayoutLedger(ctx, worse.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.PayoutHeld, standing.State)
	stock, err := l.Stock(ctx, productSKU)
	require.NoError(t, err)
	assert.Equal(t, int64(2), stock)
}

func kinds(es []intake.PayoutEntry) []intake.PayoutEntryKind {
	var out []intake.PayoutEntryKind
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

// A bench's grading and a supervisor's decision end the same lifecycle:
// as disclosed completes; damaged on arrival holds; a declined payout is
// voided and the unit leaves stock; an override releases it.
func TestBenchGradingAndSupervisorDecisionsEndTheLifecycle(t *testing.T) {
	ctx := context.Background()
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-1")
	ledger := func(id string) ([]intake.PayoutEntryKind, intake.PayoutStanding) {
		t.Helper()
		es, s, err := h.PayoutLedger(ctx, id)
		require.NoError(t, err)
		return kinds(es), s
	}

	ti := b.receivedHere(t, "ti-as-disclosed", testIMEI(t, 1))
	got, _ := ledger(ti.ID)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation}, got, "a trade-in the platform sends accepted is owed its offer")
	b.mustApply(t, intake.EventGraded, ti.ID, opTechnician, b.gradingAsDisclosed(t, ti))
	assert.Equal(t, "completed", statusOf(t, h, ti.ID))
	got, standing := ledger(ti.ID)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation, intake.PayoutRelease}, got)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutDue, Amount: 35000, Method: intake.PayoutStoreCredit}, standing)

	declined := b.reroutedHere(t, "ti-declined", testIMEI(t, 2))
	got, _ = ledger(declined.ID)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation, intake.PayoutHold}, got)
	b.mustApply(t, intake.EventPayoutDeclined, declined.ID, opSupervisor, b.decisionOn(declined, intake.DecideDecline, opSupervisor))
	assert.Equal(t, "declined", statusOf(t, h, declined.ID))
	got, standing = ledger(declined.ID)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation, intake.PayoutHold, intake.PayoutVoid}, got)
	assert.Equal(t, intake.PayoutVoided, standing.State)
	v, err := h.Submission(ctx, "", declined.ID)
	require.NoError(t, err)
	require.NotNil(t, v.Unit)
	assert.Equal(t, "returned", v.Unit.Status)

	overridden := b.reroutedHere(t, "ti-overridden", testIMEI(t, 3))
	b.mustApply(t, intake.EventOverrideAccepted, overridden.ID, opSupervisor, b.decisionOn(overridden, intake.DecideOverride, opSupervisor))
	assert.Equal(t, "completed", statusOf(t, h, overridden.ID))
	got, standing = ledger(overridden.ID)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation, intake.PayoutHold, intake.PayoutRelease}, got)
	assert.Equal(t, intake.PayoutDue, standing.State)
}

func TestAWalkInIsInStockAndPaidAtTheCounter(t *testing.T) {
	ctx := context.Background()
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "counter-1")
	ev := b.walkIn(t, testIMEI(t, 1), opClerk, nil)
	r := b.push(t, ev)[0]
	require.Equal(t, wire.StatusApplied, r.Status, r.Detail)
	es, standing, err := h.PayoutLedger(ctx, ev.TradeInID)
	require.NoError(t, err)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation, intake.PayoutRelease, intake.PayoutSettle}, kinds(es))
	assert.Equal(t, intake.PayoutSettled, standing.State)
	assert.Equal(t, "counter:"+ev.Key, es[2].Reference)
	v, err := h.Submission(ctx, "", ev.TradeInID)
	require.NoError(t, err)
	assert.Equal(t, intake.SourceWalkIn, v.TradeIn.Source)
	require.NotNil(t, v.Unit)
	assert.Equal(t, "received", v.Unit.Status)
	stock, err := h.Stock(ctx, v.Unit.SKU)
	require.NoError(t, err)
	assert.Equal(t, int64(1), stock)
}
