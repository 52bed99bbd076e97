package intake_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func TestCheckWalkInIMEISaysWhatTheBenchKnowsBeforeAQuote(t *testing.T) {
	f, ts := tacFixture(t)
	ctx := context.Background()
	iPhone13 := intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}
	tests := []struct {
		name   string
		scan   string
		models []intake.DeviceModel // what the TAC names
		err    string               // the refusal, "" for none
		// mismatch is the refusal to quote the device as an iPhone 13, ""
		// for none.
		mismatch string
	}{
		{name: "a new iPhone 13", scan: "354428110070013",
			models: []intake.DeviceModel{{Make: "Apple", Model: "iPhone 13"}}},
		{name: "an iPhone 14 picked as an iPhone 13", scan: "353133100070012",
			models:   []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}},
			mismatch: "IMEI 353133100070012 (TAC 35313310) is listed for the Apple iPhone 14, not the Apple iPhone 13 picked"},
		{name: "a TAC shared with the picked model", scan: "351111110070034",
			models: []intake.DeviceModel{{Make: "Apple", Model: "iPhone 13"}, {Make: "Apple", Model: "iPhone 14"}}},
		{name: "a TAC the catalog lacks", scan: "359999990070047"},
		{name: "a device posted in for a trade-in", scan: ts["same"].IMEI,
			err: "IMEI " + ts["same"].IMEI + " already belongs to trade-in TI-same (shipped)"},
		{name: "an offered trade-in is in progress too", scan: ts["offered"].IMEI,
			err: "IMEI " + ts["offered"].IMEI + " already belongs to trade-in TI-offered (offered)"},
		{name: "not an IMEI", scan: "358240051111111", err: "check digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := f.bench.CheckWalkInIMEI(ctx, tt.scan)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.scan, d.IMEI)
			assert.Equal(t, tt.scan[:8], d.TAC.TAC)
			assert.Equal(t, tt.models, d.TAC.Models)
			m := d.Mismatch(iPhone13)
			if tt.mismatch == "" {
				assert.Nil(t, m)
				return
			}
			require.NotNil(t, m)
			assert.EqualError(t, m, tt.mismatch)
			assert.Nil(t, d.Mismatch(intake.Device{Make: "Apple"}), "no model picked yet: nothing to compare")
		})
	}
}

func TestCheckWalkInIMEICatchesADeviceThisBenchBought(t *testing.T) {
	f, _ := tacFixture(t)
	ctx := context.Background()
	const imei = "354428110070013" // an iPhone 13
	d, err := f.bench.CheckWalkInIMEI(ctx, imei)
	require.NoError(t, err)
	m, ok := d.Model()
	require.True(t, ok, "one model: the counter picks it")
	assert.Equal(t, intake.DeviceModel{Make: "Apple", Model: "iPhone 13"}, m)

	ti, _, err := f.bench.AcceptWalkIn(ctx, f.store, clerk, intake.WalkIn{
		Variant: intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Prices: intake.PriceTableFromBase(40000)},
		IMEI:    imei, Check: intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean},
		Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true},
		Customer:   intake.Customer{Name: "Ada Lovelace"}, Payout: intake.PayoutCash,
	})
	require.NoError(t, err)
	assert.Equal(t, "WI-KEY1", ti.Reference)

	_, err = f.bench.CheckWalkInIMEI(ctx, imei)
	var taken *intake.WalkInTakenError
	require.ErrorAs(t, err, &taken)
	assert.Equal(t, "WI-KEY1", taken.TradeIn.Reference)
	require.NotNil(t, taken.Receipt, "received at this bench")
	assert.Equal(t, "op-clerk", taken.Receipt.Operator)
	assert.Contains(t, err.Error(), "IMEI 354428110070013 was already received at this bench as trade-in WI-KEY1 on ")

	_, _, err = f.bench.AcceptWalkIn(ctx, f.store, clerk, intake.WalkIn{IMEI: imei, Check: intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean}})
	require.ErrorAs(t, err, &taken, "Accept refuses it the same way")
}
