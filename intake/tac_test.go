package intake_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

// onTAC makes a valid IMEI on tac with serial number n.
func onTAC(t testing.TB, tac string, n int) string {
	t.Helper()
	body := fmt.Sprintf("%s%06d", tac, n)
	check, err := intake.LuhnCheckDigit(body)
	require.NoError(t, err)
	return body + string(check)
}

const (
	tac13      = "35442811" // Apple iPhone 13
	tac14      = "35313310" // Apple iPhone 14
	tacShared  = "35111111" // listed for the iPhone 13 and the iPhone 14
	tacOthers  = "35222222" // listed for two models, neither an iPhone 13
	tacUnknown = "35999999" // in no TAC list
)

// tacFixture is the bench fixture with a catalog that lists TACs, and
// iPhone 13 trade-ins whose IMEIs sit on them.
func tacFixture(t *testing.T) (*fixture, map[string]intake.TradeIn) {
	t.Helper()
	f := newFixture(t)
	prices := intake.PriceTableFromBase(40000)
	variant := func(sku, make, model string, tacs ...string) intake.Variant {
		return intake.Variant{Device: intake.Device{Make: make, Model: model, Storage: "128GB", Carrier: "Unlocked", SKU: sku}, Prices: prices, TACs: tacs}
	}
	n := 0
	tradeIn := func(id string, status intake.Status, tac string, mods ...func(*intake.TradeIn)) intake.TradeIn {
		n++
		ti := intake.TradeIn{ID: id, Reference: "TI-" + id, Status: status, IMEI: onTAC(t, tac, n), Serial: fmt.Sprintf("C39XK0ABH%03d", n),
			Device:    intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
			Disclosed: intake.ConditionGood, Offer: prices[intake.ConditionGood], Prices: prices, UpdatedAt: f.now.Add(-time.Hour)}
		for _, m := range mods {
			m(&ti)
		}
		return ti
	}
	ts := []intake.TradeIn{
		tradeIn("same", intake.StatusShipped, tac13),
		tradeIn("case", intake.StatusShipped, tac13, func(ti *intake.TradeIn) { ti.Device.Make, ti.Device.Model = "APPLE", " iphone 13 " }),
		tradeIn("other", intake.StatusShipped, tac14),
		tradeIn("unknown", intake.StatusAccepted, tacUnknown),
		tradeIn("shared", intake.StatusShipped, tacShared),
		tradeIn("others", intake.StatusShipped, tacOthers),
		tradeIn("flagged", intake.StatusShipped, tac14),
		tradeIn("received", intake.StatusReceived, tac14, func(ti *intake.TradeIn) {
			ti.Receipt = &intake.Receipt{TradeInID: "received", IMEI: ti.IMEI, Operator: "op-x", Bench: "bench-2", At: f.now.Add(-time.Hour), EventKey: "k"}
		}),
		tradeIn("offered", intake.StatusOffered, tac14),
		tradeIn("dual", intake.StatusShipped, tac13, func(ti *intake.TradeIn) { ti.IMEI2 = onTAC(t, tac14, 999) }),
		tradeIn("nomodel", intake.StatusShipped, tac14, func(ti *intake.TradeIn) { ti.Device.Model = "" }),
	}
	byID := map[string]intake.TradeIn{}
	for _, ti := range ts {
		byID[ti.ID] = ti
	}
	require.NoError(t, f.store.ApplyChanges(context.Background(), store.Changes{
		TradeIns: ts,
		Flags:    []intake.Flag{{IMEI: byID["flagged"].IMEI, Kind: intake.FlagFinanceLocked, Reason: "balance owed", Since: f.now}},
		Variants: []intake.Variant{
			variant("IP13", "Apple", "iPhone 13", tac13, tacShared),
			variant("IP14", "Apple", "iPhone 14", tac14, tacShared),
			variant("S23U", "Samsung", "Galaxy S23 Ultra", tacOthers),
			variant("PX8P", "Google", "Pixel 8 Pro", tacOthers),
		},
	}, "c2"))
	return f, byID
}

func TestLookupChecksTheIMEIsModel(t *testing.T) {
	f, ts := tacFixture(t)
	ctx := context.Background()
	iPhone14 := []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}
	tests := []struct {
		name    string
		scan    string
		outcome intake.Outcome
		models  []intake.DeviceModel // what the TAC names, on a mismatch
	}{
		{"the TAC names the trade-in's model", ts["same"].IMEI, intake.OutcomeMatched, nil},
		{"make and model compare without case or blanks", ts["case"].IMEI, intake.OutcomeMatched, nil},
		{"the TAC names another model", ts["other"].IMEI, intake.OutcomeModelMismatch, iPhone14},
		{"an unknown TAC is no mismatch", ts["unknown"].IMEI, intake.OutcomeMatched, nil},
		{"a TAC listed for the trade-in's model among others", ts["shared"].IMEI, intake.OutcomeMatched, nil},
		{"a TAC listed for two other models", ts["others"].IMEI, intake.OutcomeModelMismatch,
			[]intake.DeviceModel{{Make: "Google", Model: "Pixel 8 Pro"}, {Make: "Samsung", Model: "Galaxy S23 Ultra"}}},
		{"a flag wins", ts["flagged"].IMEI, intake.OutcomeFlagged, nil},
		{"already received stays already received", ts["received"].IMEI, intake.OutcomeAlreadyReceived, nil},
		{"not accepted stays not accepted", ts["offered"].IMEI, intake.OutcomeNotAccepted, nil},
		{"the first IMEI of a dual-SIM device", ts["dual"].IMEI, intake.OutcomeMatched, nil},
		{"the second IMEI is checked too", ts["dual"].IMEI2, intake.OutcomeModelMismatch, iPhone14},
		{"a label with both IMEIs", ts["dual"].IMEI + "\t" + ts["dual"].IMEI2, intake.OutcomeModelMismatch, iPhone14},
		{"a serial carries no TAC", "S/N: " + ts["other"].Serial, intake.OutcomeMatched, nil},
		{"a trade-in that names no model", ts["nomodel"].IMEI, intake.OutcomeMatched, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := f.bench.Lookup(ctx, tt.scan)
			require.NoError(t, err)
			require.Equal(t, tt.outcome, m.Outcome)
			require.NotNil(t, m.TradeIn, "the match still carries the trade-in")
			if tt.models == nil {
				assert.Nil(t, m.TAC)
				return
			}
			require.NotNil(t, m.TAC)
			assert.Equal(t, tt.models, m.TAC.Models)
			assert.Equal(t, m.TAC.IMEI[:8], m.TAC.TAC)
			assert.Contains(t, []string{m.TradeIn.IMEI, m.TradeIn.IMEI2}, m.TAC.IMEI, "names the scanned IMEI")
		})
	}
}

func TestReceiveRefusesAModelMismatchUntilTheTradeInIsCorrected(t *testing.T) {
	f, ts := tacFixture(t)
	ctx := context.Background()
	other := ts["other"]

	_, err := f.bench.Receive(ctx, tech, other.IMEI)
	var mismatch *intake.ModelMismatchError
	require.ErrorAs(t, err, &mismatch)
	assert.Equal(t, "TI-other", mismatch.Reference)
	assert.Equal(t, "iPhone 13", mismatch.Device.Model)
	assert.Equal(t, intake.TACLookup{IMEI: other.IMEI, TAC: tac14, Models: []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}}, mismatch.TAC)
	assert.Contains(t, err.Error(), "Apple iPhone 14")
	assert.Contains(t, err.Error(), "supervisor")
	_, received, err := f.store.LocalReceipt(ctx, other.ID)
	require.NoError(t, err)
	assert.False(t, received)
	assert.Empty(t, pendingEvents(t, f), "a refused receipt queues nothing")

	// A supervisor has the platform correct and re-quote the trade-in: the
	// next pull brings it, and the device matches.
	other.Device.Model, other.UpdatedAt = "iPhone 14", f.now
	require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{TradeIns: []intake.TradeIn{other}}, "c3"))
	m, err := f.bench.Lookup(ctx, other.IMEI)
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeMatched, m.Outcome)
	_, err = f.bench.Receive(ctx, tech, other.IMEI)
	require.NoError(t, err)
	assert.Len(t, pendingEvents(t, f), 1)
}

func TestReceiveByTradeInRefusesAnotherModel(t *testing.T) {
	f, ts := tacFixture(t)
	ctx := context.Background()
	stray14 := onTAC(t, tac14, 424242) // no trade-in holds it

	_, err := f.bench.ReceiveByTradeIn(ctx, tech, "same", stray14, "reference on the packing slip")
	var mismatch *intake.ModelMismatchError
	require.ErrorAs(t, err, &mismatch, "a device linked by hand is checked against the trade-in it is linked to")
	assert.Equal(t, stray14, mismatch.TAC.IMEI)
	assert.Empty(t, pendingEvents(t, f))

	r, err := f.bench.ReceiveByTradeIn(ctx, tech, "same", onTAC(t, tacUnknown, 424242), "reference on the packing slip")
	require.NoError(t, err, "an unknown TAC does not stop a link")
	assert.Equal(t, ts["same"].ID, r.TradeInID)
}

func TestTACs(t *testing.T) {
	for _, tt := range []struct {
		in    string
		valid bool
		of    string
	}{
		{"35442811", true, "35442811"},
		{"354428110000001", false, "35442811"},
		{"3544281", false, ""},
		{"3544281a", false, ""},
		{"3544281a00000001", false, ""},
		{"", false, ""},
	} {
		assert.Equal(t, tt.valid, intake.ValidTAC(tt.in), "ValidTAC(%q)", tt.in)
		assert.Equal(t, tt.of, intake.TACOf(tt.in), "TACOf(%q)", tt.in)
	}
	m := intake.DeviceModel{Make: "Apple", Model: "iPhone 13"}
	assert.True(t, m.Names(intake.Device{Make: " apple", Model: "IPHONE 13 ", Storage: "128GB"}))
	assert.True(t, m.Names(intake.Device{Model: "iPhone 13"}), "a device without a make is compared by model")
	assert.False(t, m.Names(intake.Device{Make: "Apple", Model: "iPhone 13 mini"}))
	assert.False(t, m.Names(intake.Device{Make: "Samsung", Model: "iPhone 13"}))
}

func TestWalkInRefusesAnIMEIOfAnotherModel(t *testing.T) {
	f, _ := tacFixture(t)
	ctx := context.Background()
	iPhone13 := intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", Carrier: "Unlocked", SKU: "IP13"},
		Prices: intake.PriceTableFromBase(40000), TACs: []string{tac13, tacShared}}
	walkIn := func(imei string) intake.WalkIn {
		return intake.WalkIn{Variant: iPhone13, IMEI: imei, Check: intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean},
			Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true},
			Customer:   intake.Customer{Name: "Ada Lovelace"}, Payout: intake.PayoutCash}
	}

	iPhone14 := onTAC(t, tac14, 7001)
	_, _, err := f.bench.AcceptWalkIn(ctx, f.store, clerk, walkIn(iPhone14))
	var picked *intake.WalkInModelError
	require.ErrorAs(t, err, &picked)
	assert.Equal(t, iPhone14, picked.TAC.IMEI)
	assert.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}, picked.TAC.Models)
	assert.EqualError(t, err, "IMEI "+iPhone14+" (TAC "+tac14+") is listed for the Apple iPhone 14, not the Apple iPhone 13 picked")
	assert.Empty(t, pendingEvents(t, f), "a refused walk-in records nothing")

	for name, imei := range map[string]string{
		"the picked model's TAC":  onTAC(t, tac13, 7002),
		"a TAC shared with it":    onTAC(t, tacShared, 7003),
		"a TAC the catalog lacks": onTAC(t, tacUnknown, 7004),
	} {
		_, _, err := f.bench.AcceptWalkIn(ctx, f.store, clerk, walkIn(imei))
		assert.NoError(t, err, name)
	}
}
