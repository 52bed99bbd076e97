package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func newWalkIn(t *testing.T, f *fixture, op intake.Operator) (*WalkInScreen, func(string, func() bool)) {
	t.Helper()
	test.NewTempApp(t)
	post, until := settling(t)
	s := NewWalkInScreen(Env{Session: session{op}, Clock: f.clock, post: post},
		WalkInDeps{Catalog: f.store, IMEI: flagChecker{f.store}, Accept: BenchWalkIns(f.bench, f.store)})
	test.NewTempWindow(t, s.Content())
	until("the makes", func() bool { return len(s.makeSel.Options) == 1 })
	return s, until
}

// pickDevice picks the catalog's only phone and answers the questions:
// light screen wear, everything else fine.
func pickDevice(t *testing.T, s *WalkInScreen, until func(string, func() bool)) {
	t.Helper()
	s.makeSel.SetSelected("Apple")
	until("the models", func() bool { return slices.Contains(s.modelSel.Options, "iPhone 13") })
	s.modelSel.SetSelected("iPhone 13")
	until("the variant", func() bool { return s.variant != nil })
	assert.Equal(t, "128GB · Unlocked — up to $425.00", s.variantNote.Text, "a model's only variant is picked for you")
	assert.Equal(t, "Quote: answer the condition questions", s.Quote())
	s.powersOn.SetSelected(answerYes)
	s.account.SetSelected(answerYes)
	s.battery.SetSelected(answerYes)
	s.screenWear.SetSelected(string(intake.WearLight))
	s.bodyWear.SetSelected(string(intake.WearNone))
	assert.Equal(t, "Quote: $320.00 (good)", s.Quote(), "the quote is live")
}

func TestWalkInCleanDeviceEndToEnd(t *testing.T) {
	f := newFixture(t)
	s, until := newWalkIn(t, f, clerk)
	pickDevice(t, s, until)
	s.HandleScan(imeiWalkIn + "\r")
	until("the IMEI check", func() bool { return s.check != nil })
	assert.Equal(t, "IMEI "+imeiWalkIn+" is clean", s.CheckHeadline())
	assert.True(t, s.accept.Disabled(), "no customer name yet")
	test.Type(s.name, "Grace Hopper")
	s.payout.SetSelected(string(intake.PayoutCash))
	require.False(t, s.accept.Disabled())

	accepted := make(chan intake.TradeIn, 1)
	s.OnAccepted = func(t intake.TradeIn, _ intake.Receipt) { accepted <- t }
	test.Tap(s.accept)
	until("the acceptance", func() bool { return len(accepted) == 1 })
	ti := <-accepted
	assert.Equal(t, intake.Cents(32000), ti.Offer)
	until("the result", func() bool { return s.done })
	assert.Contains(t, s.Quote(), "Accepted WI-")
	assert.Contains(t, s.Message(), "Pay $320.00 by cash")
	assert.True(t, s.next.Visible())

	m, err := f.bench.Lookup(context.Background(), imeiWalkIn)
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeAlreadyReceived, m.Outcome, "received on the spot")

	test.Tap(s.next)
	assert.Empty(t, s.name.Text)
	assert.Equal(t, "Quote: pick a model and answer the questions", s.Quote())
}

func TestWalkInFlaggedIMEIStops(t *testing.T) {
	f := newFixture(t)
	s, until := newWalkIn(t, f, clerk)
	pickDevice(t, s, until)
	test.Type(s.name, "Mallory")
	checked := make(chan intake.IMEICheck, 1)
	s.OnChecked = func(c intake.IMEICheck) { checked <- c }
	test.Type(s.imei, imeiFlagged)
	s.imei.TypedKey(keyReturn())
	until("the check", func() bool { return len(checked) == 1 })
	c := <-checked
	assert.Equal(t, intake.IMEIStatus(intake.FlagBlacklisted), c.Status)
	until("the stop card", func() bool { return s.checkCard.banner.FillColor == colourStop })
	assert.Equal(t, "STOP: IMEI "+imeiFlagged+" is blacklisted", s.CheckHeadline())
	assert.Contains(t, s.Message(), "Do not buy this device: reported stolen")
	assert.True(t, s.accept.Disabled(), "a flagged device cannot be accepted")
}

func TestWalkInRejectsABadIMEI(t *testing.T) {
	f := newFixture(t)
	s, _ := newWalkIn(t, f, clerk)
	s.HandleScan("358240051111111")
	assert.Equal(t, "Not a usable IMEI", s.CheckHeadline())
	assert.Contains(t, s.Message(), "check digit")
}

func TestTechnicianForcedOntoWalkInSeesPermissionError(t *testing.T) {
	f := newFixture(t)
	s, until := newWalkIn(t, f, tech)
	pickDevice(t, s, until)
	s.HandleScan(imeiWalkIn)
	until("the IMEI check", func() bool { return s.check != nil })
	test.Type(s.name, "Grace Hopper")
	test.Tap(s.accept)
	until("the refusal", func() bool { return !s.busy && s.Message() != "" })
	assert.Contains(t, s.Message(), "Not allowed: Tess (technician) may not walk-in")
	assert.False(t, s.done)
}

// receiptsDesk records the receipts a clerk asks for again.
type receiptsDesk struct {
	printed, saved chan string
}

func (d receiptsDesk) PrintReceipt(_ context.Context, id string) error {
	d.printed <- id
	return nil
}

func (d receiptsDesk) SaveReceipt(_ context.Context, id string) (string, error) {
	d.saved <- id
	return "/home/clerk/receipts/" + id + ".pdf", nil
}

func TestWalkInReceiptCanBePrintedAgainAndSaved(t *testing.T) {
	f := newFixture(t)
	test.NewTempApp(t)
	post, until := settling(t)
	desk := receiptsDesk{printed: make(chan string, 1), saved: make(chan string, 1)}
	s := NewWalkInScreen(Env{Session: session{clerk}, Clock: f.clock, post: post},
		WalkInDeps{Catalog: f.store, IMEI: flagChecker{f.store}, Accept: BenchWalkIns(f.bench, f.store), Receipts: desk})
	test.NewTempWindow(t, s.Content())
	until("the makes", func() bool { return len(s.makeSel.Options) == 1 })
	assert.False(t, s.printReceipt.Visible(), "no receipt before a walk-in is recorded")
	pickDevice(t, s, until)
	s.HandleScan(imeiWalkIn + "\r")
	until("the IMEI check", func() bool { return s.check != nil })
	test.Type(s.name, "Grace Hopper")
	test.Tap(s.accept)
	until("the result", func() bool { return s.done })
	require.True(t, s.printReceipt.Visible())
	id, ref := s.accepted.ID, s.accepted.Reference

	test.Tap(s.printReceipt)
	until("the print", func() bool { return len(desk.printed) == 1 })
	assert.Equal(t, id, <-desk.printed)
	until("the message", func() bool { return strings.Contains(s.Message(), "receipt printer") })
	assert.Equal(t, "The receipt of "+ref+" is on its way to the receipt printer.", s.Message())

	test.Tap(s.saveReceipt)
	until("the save", func() bool { return len(desk.saved) == 1 })
	assert.Equal(t, id, <-desk.saved)
	until("the message", func() bool { return strings.Contains(s.Message(), "saved") })
	assert.Equal(t, "The receipt of "+ref+" is saved as /home/clerk/receipts/"+id+".pdf.", s.Message())

	test.Tap(s.next)
	assert.False(t, s.printReceipt.Visible(), "the next customer starts without the last one's receipt")
}
