package printing_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/label"
	"github.com/intakebench/intakebench/label/zpltest"
	"github.com/intakebench/intakebench/printer/printertest"
	"github.com/intakebench/intakebench/printing"
	"github.com/intakebench/intakebench/store"
)

var start = time.Date(2026, 6, 4, 10, 0, 0, 0, time.UTC)

const (
	imei       = "356938035643809"
	receiptKey = "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b" // its unit id is unitID
	unitID     = "U-5936715130527394"
)

type fixture struct {
	store *store.Store
	clock *clock.Fake
	svc   *printing.Service
	bench *intake.Bench
	zebra *printertest.Zebra
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	clk := clock.NewFake(start)
	keys := []string{receiptKey}
	n := 0
	newKey := func() string {
		n++
		if n <= len(keys) {
			return keys[n-1]
		}
		return fmt.Sprintf("key-%d", n)
	}
	z := printertest.NewZebra(t)
	f := fixture{store: s, clock: clk, svc: printing.New(s, clk.Now), bench: intake.NewBench(s, "bench-7", clk.Now, newKey), zebra: z}
	st, err := f.svc.Settings(ctx)
	require.NoError(t, err)
	st.LabelPrinter = z.Target()
	require.NoError(t, f.svc.SaveSettings(ctx, st))
	return f
}

func (f fixture) tradeIn(t *testing.T) intake.TradeIn {
	t.Helper()
	ti := intake.TradeIn{ID: "t1", Reference: "TI-2026-004211", Status: intake.StatusShipped, IMEI: imei,
		Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Disclosed: intake.ConditionGood,
		Offer: 32000, Prices: intake.PriceTableFromBase(40000), UpdatedAt: start}
	require.NoError(t, f.store.ApplyChanges(context.Background(), store.Changes{TradeIns: []intake.TradeIn{ti}}, "c1"))
	return ti
}

var tech = intake.Operator{ID: "op-1", Name: "Tess Tech", Role: intake.RoleTechnician}

func TestAReceivedUnitsLabelReachesThePrinter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := newFixture(t)
	f.tradeIn(t)
	_, err := f.bench.Receive(ctx, tech, imei)
	require.NoError(t, err)

	u, err := f.svc.PrintUnit(ctx, "t1")
	require.NoError(t, err)
	assert.Equal(t, unitID, u.ID)
	n, err := f.svc.Spool().SendDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	jobs, err := f.zebra.WaitJobs(ctx, 1)
	require.NoError(t, err)
	fs, err := zpltest.Parse(jobs[0])
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, zpltest.Format{Width: 406, Height: 203, Module: 2, Barcode: unitID,
		Texts: []string{unitID, "2026-06-04", "Apple iPhone 13 128GB", "IMEI " + imei, "bench-7", "GRADING"}}, fs[0])

	found, err := f.svc.FindUnit(ctx, unitID)
	require.NoError(t, err)
	assert.Equal(t, "t1", found.TradeInID)
	assert.Equal(t, label.ToGrading, found.Unit.Destination)

	img, pu, err := f.svc.Preview(ctx, "t1")
	require.NoError(t, err)
	assert.Equal(t, unitID, pu.ID)
	assert.Equal(t, 406, img.Bounds().Dx())
}

func TestALabelWaitsForAPrinterToBeSet(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.tradeIn(t)
	st, err := f.svc.Settings(ctx)
	require.NoError(t, err)
	st.LabelPrinter = ""
	require.NoError(t, f.svc.SaveSettings(ctx, st))
	_, err = f.bench.Receive(ctx, tech, imei)
	require.NoError(t, err)
	_, err = f.svc.PrintUnit(ctx, "t1")
	require.NoError(t, err)
	_, err = f.svc.Spool().SendDue(ctx)
	require.ErrorIs(t, err, printing.ErrNoPrinter)
	name, _, waiting, err := f.svc.PrinterStatus(ctx)
	require.NoError(t, err)
	assert.Empty(t, name)
	assert.Equal(t, 1, waiting)

	st.LabelPrinter = f.zebra.Target()
	require.NoError(t, f.svc.SaveSettings(ctx, st))
	f.clock.Advance(5 * time.Second)
	n, err := f.svc.Spool().SendDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "what waited goes to the printer set since")
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	st, err := f.svc.Settings(ctx)
	require.NoError(t, err)
	assert.Equal(t, label.Spec{Size: label.Size2x1, DPI: 203}, st.Spec)
	assert.True(t, st.AutoPrint)

	st.Spec = label.Spec{Size: label.Size4x2, DPI: 300}
	st.AutoPrint = false
	st.ReceiptPrinter = "cups:Receipts"
	st.Business.Name = "Phone Swap Ltd"
	require.NoError(t, f.svc.SaveSettings(ctx, st))
	got, err := f.svc.Settings(ctx)
	require.NoError(t, err)
	assert.Equal(t, st, got)

	st.ReceiptPrinter = "tcp://10.0.0.9"
	assert.EqualError(t, f.svc.SaveSettings(ctx, st), "receipt printer tcp://10.0.0.9: receipts print through CUPS: give cups:QUEUE")
	st.ReceiptPrinter, st.LabelPrinter = "", "usb:lp0"
	assert.EqualError(t, f.svc.SaveSettings(ctx, st), `usb printer "lp0": give the device file's full path, e.g. usb:/dev/usb/lp0`)
}

func TestAWalkInsReceipt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	w := intake.WalkIn{
		Variant:    intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", SKU: "IP13-128"}, Prices: intake.PriceTableFromBase(40000)},
		Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true},
		IMEI:       imei, Check: intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean},
		Customer: intake.Customer{Name: "Ada Lovelace"}, Payout: intake.PayoutCash,
	}
	clerk := intake.Operator{ID: "op-2", Name: "Carl Clerk", Role: intake.RoleClerk}
	ti, _, err := f.bench.AcceptWalkIn(ctx, f.store, clerk, w)
	require.NoError(t, err)
	pdf, r, err := f.svc.WalkInReceipt(ctx, ti.ID)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
	assert.Equal(t, ti.Reference, r.Reference)
	assert.Equal(t, intake.Cents(40000), r.Amount)
	assert.Equal(t, intake.PayoutCash, r.Payout)
	assert.Equal(t, "Ada Lovelace", r.Customer)
	assert.Equal(t, imei, r.IMEI)

	u, err := f.svc.UnitLabel(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, label.ToStock, u.Destination)
	assert.Equal(t, "disclosed excellent", u.Grade)
}
