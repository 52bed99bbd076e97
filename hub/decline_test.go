package hub_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/hub/shipping/shipenginetest"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
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

// mailbox is a Mailer that keeps what it sends, and tells each on sent.
type mailbox struct {
	mu   sync.Mutex
	msgs []mail.Message
	sent chan mail.Message
}

func newMailbox() *mailbox { return &mailbox{sent: make(chan mail.Message, 32)} }

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	m.msgs = append(m.msgs, msg)
	m.mu.Unlock()
	select {
	case m.sent <- msg:
	default:
	}
	return nil
}

// subjects are the subjects of the messages sent so far, in order.
func (m *mailbox) subjects() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []string{}
	for _, msg := range m.msgs {
		out = append(out, msg.Subject)
	}
	return out
}

// about returns the messages sent so far whose subject is subject.
func (m *mailbox) about(subject string) []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []mail.Message
	for _, msg := range m.msgs {
		if msg.Subject == subject {
			out = append(out, msg)
		}
	}
	return out
}

// shippingHub is a lifecycle hub that buys labels from a stand-in
// ShipEngine and e-mails through a mailbox; its customer gave an address
// a label can be bought from.
type shippingHub struct {
	*lifecycleHub
	labels *shipenginetest.Server
	mail   *mailbox
}

func newShippingHub(t *testing.T) *shippingHub {
	t.Helper()
	ctx := context.Background()
	labels := shipenginetest.New(t, "se-test-key")
	se, err := shipping.NewShipEngine("se-test-key", shipping.WithBaseURL(labels.URL), shipping.WithHTTPClient(labels.Client()))
	require.NoError(t, err)
	box := newMailbox()
	c := clock.NewFake(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC))
	h, err := hub.Open(ctx, hubtest.DSN(t), hub.Config{Now: c.Now, Business: "Acme Trade-ins", Mailer: box, Labels: se,
		Facility: shipping.Address{Name: "Acme Receiving", Phone: "+1 512 555 0100", Line1: "1 Dock Rd", City: "Austin", State: "TX",
			PostalCode: "78701", Country: "US"}})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	require.NoError(t, h.PutVariants(ctx, []wire.Variant{{SKU: productSKU, Make: "Apple", Model: "iPhone 13", Storage: "128GB",
		Carrier: "Unlocked", Prices: productPrices}}))
	cust, err := h.Register(ctx, hub.RegisterInput{Email: "ada@example.com", Password: "correct horse", Name: "Ada Lovelace", Phone: "+1 512 555 0199"})
	require.NoError(t, err)
	_, err = h.UpdateProfile(ctx, cust.ID, hub.Profile{Name: "Ada Lovelace", Phone: "+1 512 555 0199",
		Address: hub.Address{Line1: "4 Elm Ct", City: "Austin", State: "TX", PostalCode: "78701", Country: "US"}})
	require.NoError(t, err)
	return &shippingHub{lifecycleHub: &lifecycleHub{Hub: h, clock: c, customer: cust.ID}, labels: labels, mail: box}
}

// accepted is offered and accepted by the customer: its label bought.
func (s *shippingHub) accepted(t *testing.T, imei string) intake.TradeIn {
	t.Helper()
	ti, o := s.offered(t, imei)
	ti, err := s.AnswerOffer(context.Background(), s.customer, o.ID, true, "")
	require.NoError(t, err)
	v, err := s.Submission(context.Background(), "", ti.ID)
	require.NoError(t, err)
	require.NotNil(t, v.Shipment)
	require.Equal(t, shipping.MethodLabel, v.Shipment.Method)
	return ti
}

// deliver runs the outbox as RunLifecycle does.
func (s *shippingHub) deliver(t *testing.T) {
	t.Helper()
	_, err := s.DeliverMail(context.Background())
	require.NoError(t, err)
}

// voidRequests are the PUTs the stand-in ShipEngine received.
func (s *shippingHub) voidRequests() []string {
	var out []string
	for _, r := range s.labels.Requests() {
		if r.Method == "PUT" {
			out = append(out, r.Path)
		}
	}
	return out
}

func (s *shippingHub) lastHistory(t *testing.T, id string) hubdb.HistoryEntry {
	t.Helper()
	v, err := s.Submission(context.Background(), "", id)
	require.NoError(t, err)
	return v.History[len(v.History)-1]
}

func TestStaffDeclineEmailsTheCustomerWhatHappensToTheDevice(t *testing.T) {
	ctx := context.Background()
	s := newShippingHub(t)

	t.Run("accepted: do not send it, the label is cancelled", func(t *testing.T) {
		ti := s.accepted(t, testIMEI(t, 1))
		require.NoError(t, s.DeclineSubmission(ctx, staffActor, ti.ID, "account_locked", "Find My iPhone is still on"))
		s.deliver(t)
		got := s.mail.about("Your trade-in TI-2024-000001 has been declined")
		require.Len(t, got, 1)
		assert.Equal(t, `"Ada Lovelace" <ada@example.com>`, got[0].To)
		assert.Equal(t, `Hello Ada Lovelace,

We are sorry: we have declined your trade-in TI-2024-000001 (Apple iPhone 13 128GB).

Reason: The device is still locked to an account: Find My iPhone is still on

Please do not send us your device. The prepaid shipping label we sent you is cancelled and can no longer be used.

Reference: TI-2024-000001

Acme Trade-ins
`, got[0].Text)
		assert.Contains(t, got[0].HTML, `<p><strong>Please do not send us your device.</strong> The prepaid shipping label we sent you is cancelled and can no longer be used.</p>`)
	})

	t.Run("submitted: no label to cancel", func(t *testing.T) {
		ti := s.submitted(t, testIMEI(t, 2))
		require.NoError(t, s.DeclineSubmission(ctx, staffActor, ti.ID, "not_bought", ""))
		s.deliver(t)
		got := s.mail.about("Your trade-in TI-2024-000002 has been declined")
		require.Len(t, got, 1)
		assert.Equal(t, `Hello Ada Lovelace,

We are sorry: we have declined your trade-in TI-2024-000002 (Apple iPhone 13 128GB).

Reason: We do not buy this device

Please do not send us your device.

Reference: TI-2024-000002

Acme Trade-ins
`, got[0].Text)
	})

	assert.Equal(t, []string{
		"Your trade-in offer: $350.00 for your Apple iPhone 13 128GB (TI-2024-000001)",
		"Your shipping label for trade-in TI-2024-000001",
		"Your trade-in TI-2024-000001 has been declined",
		"Your trade-in TI-2024-000002 has been declined",
	}, s.mail.subjects(), "one e-mail each, nothing else")
}

func TestACustomerWhoDeclinedIsNotEmailed(t *testing.T) {
	ctx := context.Background()
	s := newShippingHub(t)

	t.Run("through the e-mailed link", func(t *testing.T) {
		_, o := s.offered(t, testIMEI(t, 1))
		s.deliver(t)
		quote := s.mail.about("Your trade-in offer: $350.00 for your Apple iPhone 13 128GB (TI-2024-000001)")
		require.Len(t, quote, 1)
		// The link's page answers as hub/upgrade's does: the link's token
		// read, then the answer given without an account.
		var offerID string
		declines := 0
		for _, f := range strings.Fields(quote[0].Text) {
			u, err := url.Parse(f)
			if err != nil || !strings.Contains(u.Path, "/respond") {
				continue
			}
			id, accept, err := s.VerifyOfferLink(u.Query().Get("token"))
			require.NoError(t, err)
			if !accept {
				offerID, declines = id, declines+1
			}
		}
		require.Equal(t, 1, declines, "one decline link in\n%s", quote[0].Text)
		require.Equal(t, o.ID, offerID)
		ti, err := s.AnswerOffer(ctx, "", offerID, false, "Found a better price")
		require.NoError(t, err)
		require.Equal(t, intake.StatusDeclined, ti.Status)
		assert.Equal(t, "link", s.lastHistory(t, ti.ID).Actor)
	})

	t.Run("through their account", func(t *testing.T) {
		_, o := s.offered(t, testIMEI(t, 2))
		ti, err := s.AnswerOffer(ctx, s.customer, o.ID, false, "")
		require.NoError(t, err)
		require.Equal(t, intake.StatusDeclined, ti.Status)
	})

	s.deliver(t)
	assert.Equal(t, []string{
		"Your trade-in offer: $350.00 for your Apple iPhone 13 128GB (TI-2024-000001)",
		"Your trade-in offer: $350.00 for your Apple iPhone 13 128GB (TI-2024-000002)",
	}, s.mail.subjects(), "the quotes only")
}

func TestADeclineVoidsTheUnusedLabelOnceAfterTheCommit(t *testing.T) {
	ctx := context.Background()
	s := newShippingHub(t)
	ti := s.accepted(t, testIMEI(t, 1))
	require.NoError(t, s.DeclineSubmission(ctx, staffActor, ti.ID, "duplicate", ""))
	assert.Empty(t, s.voidRequests(), "not in the decline's transaction")

	s.deliver(t)
	assert.Equal(t, []string{"se-1"}, s.labels.Voided())
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusDeclined, To: intake.StatusDeclined, Actor: "hub",
		Reason: "Prepaid shipping label se-1 voided.", At: s.clock.Now()}, s.lastHistory(t, ti.ID))

	s.clock.Advance(24 * time.Hour)
	s.deliver(t)
	assert.Equal(t, []string{"/v1/labels/se-1/void"}, s.voidRequests(), "voided once")

	// A trade-in that never had a label has none to void.
	other := s.submitted(t, testIMEI(t, 2))
	require.NoError(t, s.DeclineSubmission(ctx, staffActor, other.ID, "not_bought", ""))
	s.deliver(t)
	assert.Equal(t, []string{"/v1/labels/se-1/void"}, s.voidRequests())
}

func TestAFailedVoidIsTriedAgainLaterAndDoneOnce(t *testing.T) {
	ctx := context.Background()
	s := newShippingHub(t)
	ti := s.accepted(t, testIMEI(t, 1))
	require.NoError(t, s.DeclineSubmission(ctx, staffActor, ti.ID, "duplicate", ""))
	declinedAt := s.clock.Now()

	s.labels.FailNext(2) // ShipEngine down for two attempts
	s.deliver(t)
	assert.Empty(t, s.labels.Voided())
	failed := hubdb.HistoryEntry{From: intake.StatusDeclined, To: intake.StatusDeclined, Actor: "hub",
		Reason: "Voiding prepaid shipping label se-1 failed; the hub tries again: shipping: void label se-1: shipengine: HTTP 500: " +
			"An unexpected error occurred. Please try again. (unspecified) [request_id 00000000-0000-4000-8000-000000000002]",
		At: declinedAt}
	assert.Equal(t, failed, s.lastHistory(t, ti.ID), "the failure is in the history")
	assert.Len(t, s.mail.about("Your trade-in TI-2024-000001 has been declined"), 1, "the decline e-mail goes out all the same")

	s.deliver(t)
	s.clock.Advance(time.Minute - time.Second)
	s.deliver(t)
	assert.Len(t, s.voidRequests(), 1, "not before its retry is due")

	s.clock.Advance(time.Second) // a minute after the first attempt: fails again
	s.deliver(t)
	assert.Len(t, s.voidRequests(), 2)
	assert.Equal(t, failed, s.lastHistory(t, ti.ID), "the history tells the first failure only")

	s.clock.Advance(2 * time.Minute) // then two minutes
	s.deliver(t)
	assert.Equal(t, []string{"se-1"}, s.labels.Voided())
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusDeclined, To: intake.StatusDeclined, Actor: "hub",
		Reason: "Prepaid shipping label se-1 voided.", At: s.clock.Now()}, s.lastHistory(t, ti.ID))

	s.clock.Advance(time.Hour)
	s.deliver(t)
	assert.Len(t, s.voidRequests(), 3, "done once")
}

func TestACarriersNoToAVoidIsFinalAndInTheHistory(t *testing.T) {
	ctx := context.Background()
	s := newShippingHub(t)
	ti := s.accepted(t, testIMEI(t, 1))
	// The customer sent the parcel without telling us.
	s.labels.SetTrackingStatus("9400100000000000000001", shipping.StatusInTransit)
	require.NoError(t, s.DeclineSubmission(ctx, staffActor, ti.ID, "duplicate", ""))
	s.deliver(t)
	assert.Empty(t, s.labels.Voided())
	assert.Equal(t, "Prepaid shipping label se-1 not voided: Label se-1 has already been used: the carrier has scanned the parcel.",
		s.lastHistory(t, ti.ID).Reason)
	s.clock.Advance(time.Hour)
	s.deliver(t)
	assert.Len(t, s.voidRequests(), 1, "asking again gets the same answer")
}

// TestASupervisorsDeclineTellsTheCustomerTheDeviceComesBack: a device
// declined after inspection at a bench is on its way back, and the
// customer is told so.
func TestASupervisorsDeclineTellsTheCustomerTheDeviceComesBack(t *testing.T) {
	box := newMailbox()
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Business: "Acme Trade-ins", Mailer: box}})
	b := enrollBench(t, h, "bench-1")
	declined := b.reroutedHere(t, "ti-declined", testIMEI(t, 1))
	b.mustApply(t, intake.EventPayoutDeclined, declined.ID, opSupervisor, b.decisionOn(declined, intake.DecideDecline, opSupervisor))
	_, err := h.DeliverMail(context.Background())
	require.NoError(t, err)
	got := box.about("Your trade-in TI-TEST-TI-DECLINED has been declined")
	require.Len(t, got, 1)
	assert.Equal(t, `Hello Ada Lovelace,

We are sorry: we have declined your trade-in TI-TEST-TI-DECLINED (Apple iPhone 13 128GB).

Reason: screen cracked in transit, customer called

We are returning your device to you: we will contact you to arrange how.

Reference: TI-TEST-TI-DECLINED

Acme Trade-ins
`, got[0].Text)
}

// TestADeviceDeclinedAfterInspectionGoesBackToTheCustomersAddress: a
// customer's submission received, found worse than described and declined
// by a supervisor at a bench: the e-mail says where the device goes.
func TestADeviceDeclinedAfterInspectionGoesBackToTheCustomersAddress(t *testing.T) {
	ctx := context.Background()
	box := newMailbox()
	// On the real clock: the bench's events carry the time they happened.
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Business: "Acme Trade-ins", Mailer: box}})
	ref := fmt.Sprintf("TI-%d-000001", time.Now().UTC().Year())
	require.NoError(t, h.PutVariants(ctx, []wire.Variant{{SKU: productSKU, Make: "Apple", Model: "iPhone 13", Storage: "128GB",
		Carrier: "Unlocked", Prices: productPrices}}))
	cust, err := h.Register(ctx, hub.RegisterInput{Email: "ada@example.com", Password: "correct horse", Name: "Ada Lovelace"})
	require.NoError(t, err)
	_, err = h.UpdateProfile(ctx, cust.ID, hub.Profile{Name: "Ada Lovelace",
		Address: hub.Address{Line1: "4 Elm Ct", Line2: "Apt 2", City: "Austin", State: "TX", PostalCode: "78701", Country: "US"}})
	require.NoError(t, err)
	ti, err := h.CreateSubmission(ctx, cust.ID, hub.SubmissionInput{ProductID: productSKU, SerialNumber: testIMEI(t, 1), Condition: "good"})
	require.NoError(t, err)
	require.Equal(t, ref, ti.Reference)
	_, err = h.SubmitSubmission(ctx, cust.ID, ti.ID)
	require.NoError(t, err)
	o, err := h.SendOffer(ctx, admin, hub.OfferInput{SubmissionID: ti.ID, Amount: 35000, ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, err = h.AnswerOffer(ctx, cust.ID, o.ID, true, "")
	require.NoError(t, err)
	_, err = h.Receive(ctx, admin, ti.ID)
	require.NoError(t, err)
	ti, d, err := h.Inspect(ctx, admin, ti.ID, intake.ConditionPoor, "cracked back glass")
	require.NoError(t, err)
	require.True(t, d.Reroute)

	b := enrollBench(t, h, "bench-1")
	b.mustApply(t, intake.EventPayoutDeclined, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideDecline, opSupervisor))
	_, err = h.DeliverMail(ctx)
	require.NoError(t, err)
	got := box.about("Your trade-in " + ref + " has been declined")
	require.Len(t, got, 1)
	assert.Equal(t, `Hello Ada Lovelace,

We are sorry: we have declined your trade-in `+ref+` (Apple iPhone 13 128GB).

Reason: screen cracked in transit, customer called

We are returning your device to you by post, to:
Ada Lovelace
4 Elm Ct
Apt 2
Austin, TX 78701
US

Reference: `+ref+`

Acme Trade-ins
`, got[0].Text)
}
