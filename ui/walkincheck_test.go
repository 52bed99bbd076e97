package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

const (
	imeiIPhone14   = "353133100070012" // TAC 35313310, an iPhone 14
	imeiSecond13   = "358240052222221" // TAC 35824005, an iPhone 13 like imeiWalkIn
	tacIPhone13    = "35824005"
	tacIPhone14    = "35313310"
	operatorsNames = "Carl Clerk"
)

// withTACs lists TACs for the fixture's iPhone 13 and adds an iPhone 14
// in two storage sizes, listed 1TB first as a catalog may.
func withTACs(t *testing.T, f *fixture) {
	t.Helper()
	prices := intake.PriceTableFromBase(50000)
	require.NoError(t, f.store.ApplyChanges(context.Background(), store.Changes{Variants: []intake.Variant{
		{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", Carrier: "Unlocked", SKU: "APIP13128UN"},
			Prices: intake.PriceTableFromSeed000(intake.Seed000Prices{Broken: 8500, Poor: 18000, Average: 32000, Excellent: 42500, New: 47500}),
			TACs:   []string{tacIPhone13}},
		{Device: intake.Device{Make: "Apple", Model: "iPhone 14", Storage: "1TB", Carrier: "Unlocked", SKU: "APIP141TUN"}, Prices: prices, TACs: []string{tacIPhone14}},
		{Device: intake.Device{Make: "Apple", Model: "iPhone 14", Storage: "256GB", Carrier: "Unlocked", SKU: "APIP14256UN"}, Prices: prices, TACs: []string{tacIPhone14}},
	}}, "c-tacs"))
}

// newKeyboardWalkIn is the walk-in screen in a window, so that focus can
// be followed, with names for operator ids.
func newKeyboardWalkIn(t *testing.T, f *fixture) (*WalkInScreen, fyne.Canvas, func(string, func() bool)) {
	t.Helper()
	test.NewTempApp(t)
	post, until := settling(t)
	env := Env{Session: session{clerk}, Clock: f.clock, post: post,
		OperatorName: func(id string) string { return map[string]string{"op-clerk": operatorsNames}[id] }}
	s := NewWalkInScreen(env, WalkInDeps{Catalog: f.store, IMEI: flagChecker{f.store}, Accept: BenchWalkIns(f.bench, f.store)})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(1024, 720))
	until("the catalog", func() bool { return len(s.models) > 0 })
	return s, w.Canvas(), until
}

func TestWalkInByKeyboardFromScanToAccept(t *testing.T) {
	f := newFixture(t)
	withTACs(t, f)
	s, c, until := newKeyboardWalkIn(t, f)
	var steps []string
	s.OnNext = func(step string) { steps = append(steps, step) }
	s.Focus(c)
	require.Equal(t, s.imei, c.Focused(), "the form starts at the IMEI")

	s.HandleScan(imeiWalkIn + "\r")
	until("the model the TAC names", func() bool { return s.variant != nil })
	assert.Equal(t, "IMEI "+imeiWalkIn+" is clean · Apple iPhone 13", s.CheckHeadline())
	assert.Equal(t, "iPhone 13", s.modelSel.Selected, "picked from the IMEI's TAC")
	assert.Equal(t, "128GB · Unlocked — up to $425.00", s.variantNote.Text)
	require.Equal(t, s.powersOn, c.Focused(), "the first question is next")

	for _, key := range "1" + "1" + "2" + "1" + "1" { // yes, yes, light, none, yes
		c.Focused().TypedRune(key)
	}
	assert.Equal(t, "Quote: $320.00 (good)", s.Quote())
	require.Equal(t, s.name, c.Focused(), "the customer's name is next")
	test.Type(s.name, "Grace Hopper")
	s.name.TypedKey(keyReturn())
	require.Equal(t, s.email, c.Focused())
	s.email.TypedKey(keyReturn())
	require.Equal(t, s.phone, c.Focused())
	s.phone.TypedKey(keyReturn())
	require.Equal(t, s.payout, c.Focused())
	c.Focused().TypedRune('2') // cash
	require.Equal(t, s.accept, c.Focused(), "Accept is next, and Space presses it")
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	until("the acceptance", func() bool { return s.done })
	assert.Contains(t, s.Message(), "Pay $320.00 by cash")
	assert.Equal(t, []string{"model", "question 1", "question 2", "question 3", "question 4", "question 5",
		"customer", "email", "phone", "payout", "accept"}, steps, "each move of the keyboard is told")
}

func TestWalkInModelTypeAhead(t *testing.T) {
	f := newFixture(t)
	withTACs(t, f)
	s, c, until := newKeyboardWalkIn(t, f)
	test.Type(s.modelFilter, "ip 14")
	require.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}, s.matches)
	test.Type(s.modelFilter, "x")
	assert.Empty(t, s.matches)
	s.modelFilter.SetText("13")
	require.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 13"}}, s.matches)
	s.modelFilter.SetText("iphone")
	require.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 13"}, {Make: "Apple", Model: "iPhone 14"}}, s.matches)
	s.modelFilter.SetText("APPLE 14")
	s.modelFilter.TypedKey(keyReturn())
	until("the iPhone 14's variants", func() bool { return s.storage != nil })
	assert.Equal(t, "iPhone 14", s.modelSel.Selected)
	assert.Equal(t, []string{"256GB", "1TB"}, s.storage.options, "storage in numeric order")
	assert.Equal(t, "Unlocked", s.carrier.Selected, "the only carrier is picked")
	require.Equal(t, s.storage, c.Focused(), "storage is next: two sizes to choose from")
	c.Focused().TypedRune('2')
	assert.Equal(t, "1TB · Unlocked — up to $500.00", s.variantNote.Text)
	assert.Equal(t, s.powersOn, c.Focused())
}

func TestWalkInCheckCatchesWhatAcceptWouldRefuse(t *testing.T) {
	f := newFixture(t)
	withTACs(t, f)
	ctx := context.Background()
	_, _, err := f.bench.AcceptWalkIn(ctx, f.store, clerk, intake.WalkIn{
		Variant: intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Prices: intake.PriceTableFromBase(40000)},
		IMEI:    imeiSecond13, Check: intake.IMEICheck{IMEI: imeiSecond13, Status: intake.IMEIClean},
		Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true},
		Customer:   intake.Customer{Name: "Ada Lovelace"}, Payout: intake.PayoutCash,
	})
	require.NoError(t, err)
	s, _, until := newKeyboardWalkIn(t, f)

	tests := []struct {
		name, scan, headline, message string
	}{
		{"bought at this bench already", imeiSecond13, "STOP: already received here as WI-KEY1",
			"This bench already bought this device: WI-KEY1, received from Ada Lovelace on 24 Nov "},
		{"by whom, by name", imeiSecond13, "STOP: already received here as WI-KEY1",
			" by Carl Clerk. Do not buy it twice: hand it back and tell a supervisor."},
		{"expected by post", imeiShipped, "STOP: in trade-in TI-1 (shipped)",
			"IMEI 356938035643809 belongs to trade-in TI-1 (shipped) of Ada Lovelace: it is expected by post, not bought over the counter."},
		{"stolen", imeiFlagged, "STOP: IMEI " + imeiFlagged + " is blacklisted", "Do not buy this device: reported stolen."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.check = nil
			s.HandleScan(tt.scan)
			until("the check", func() bool { return s.check != nil })
			assert.Equal(t, tt.headline, s.CheckHeadline())
			assert.Equal(t, colourStop, s.checkCard.banner.FillColor)
			assert.Contains(t, s.Message(), tt.message)
			assert.True(t, s.accept.Disabled())
		})
	}
}

func TestWalkInCheckCatchesAnotherModel(t *testing.T) {
	f := newFixture(t)
	withTACs(t, f)
	s, _, until := newKeyboardWalkIn(t, f)
	pickDevice(t, s, until)
	test.Type(s.name, "Mallory")
	s.HandleScan(imeiIPhone14)
	until("the check", func() bool { return s.check != nil })
	assert.Equal(t, "Model mismatch: the IMEI names the Apple iPhone 14", s.CheckHeadline())
	assert.Equal(t, colourLook, s.checkCard.banner.FillColor)
	assert.Contains(t, s.Message(), "IMEI 353133100070012 (TAC 35313310) is listed for the Apple iPhone 14, not the Apple iPhone 13 picked")
	assert.True(t, s.accept.Disabled(), "not quoted as the wrong model")

	s.pickModel(intake.DeviceModel{Make: "Apple", Model: "iPhone 14"})
	until("the iPhone 14's variants", func() bool { return s.storage != nil })
	s.storage.SetSelected("256GB")
	assert.Equal(t, "IMEI "+imeiIPhone14+" is clean · Apple iPhone 14", s.CheckHeadline(), "put right by picking the model the IMEI names")
	assert.Empty(t, s.Message())
	assert.False(t, s.accept.Disabled())
}

func TestWalkInDeclineAsksBeforeClearing(t *testing.T) {
	f := newFixture(t)
	s, until := newWalkIn(t, f, clerk)
	test.Tap(s.decline)
	assert.Equal(t, "Declined: nothing was recorded. Hand the device back to the customer.", s.Message(), "an empty form clears at once")

	pickDevice(t, s, until)
	test.Type(s.name, "Grace Hopper")
	test.Tap(s.decline)
	assert.Equal(t, "Press again to clear the form", s.decline.Text)
	assert.Equal(t, "Grace Hopper", s.name.Text, "nothing cleared on the first press")
	s.battery.SetSelected(answerNo) // any change keeps the form
	assert.Equal(t, "Customer declines", s.decline.Text)
	test.Tap(s.decline)
	test.Tap(s.decline)
	assert.Empty(t, s.name.Text)
	assert.Empty(t, s.battery.Selected)
	assert.Equal(t, "Declined: nothing was recorded. Hand the device back to the customer.", s.Message())
}
