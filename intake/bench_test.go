package intake_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

var (
	tech  = intake.Operator{ID: "op-tech", Name: "Tess", Role: intake.RoleTechnician}
	clerk = intake.Operator{ID: "op-clerk", Name: "Carl", Role: intake.RoleClerk}
)

// fixture is a bench service over a real store file holding a few trade-ins.
type fixture struct {
	bench *intake.Bench
	store *store.Store
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	prices := intake.PriceTableFromBase(40000)
	tradeIn := func(id, imei string, status intake.Status) intake.TradeIn {
		return intake.TradeIn{ID: id, Reference: "TI-" + id, Status: status, IMEI: imei, Serial: "C39XK0ABHG" + id,
			Device:    intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
			Disclosed: intake.ConditionGood, Offer: prices[intake.ConditionGood], Prices: prices,
			UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	}
	require.NoError(t, st.ApplyChanges(ctx, store.Changes{
		TradeIns: []intake.TradeIn{
			tradeIn("1", "356938035643809", intake.StatusShipped),
			tradeIn("2", "490154203237518", intake.StatusOffered),
			tradeIn("3", "353918050000005", intake.StatusAccepted),
			tradeIn("4", "352099001761481", intake.StatusCompleted),
		},
		Flags: []intake.Flag{{IMEI: "353918050000005", Kind: intake.FlagBlacklisted, Reason: "reported stolen", Since: time.Now()}},
	}, "c1"))
	f := &fixture{store: st, now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	keys := 0
	f.bench = intake.NewBench(st, "bench-7", func() time.Time { return f.now }, func() string {
		keys++
		return fmt.Sprintf("key-%d", keys)
	})
	return f
}

func TestLookupOutcomes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		scan    string
		outcome intake.Outcome
		ref     string
	}{
		{"356938035643809\r\n", intake.OutcomeMatched, "TI-1"},
		{"]C0IMEI: 35 693803 564380 9", intake.OutcomeMatched, "TI-1"},
		{"S/N: C39XK0ABHG1", intake.OutcomeMatched, "TI-1"},
		{"490154203237518", intake.OutcomeNotAccepted, "TI-2"},
		{"353918050000005", intake.OutcomeFlagged, "TI-3"},
		{"352099001761481", intake.OutcomeAlreadyReceived, "TI-4"},
		{"358240051111110", intake.OutcomeUnknown, ""},
		{"0190198001795", intake.OutcomeInvalid, ""},   // a box EAN is never a device
		{"356938035643808", intake.OutcomeInvalid, ""}, // wrong check digit
	}
	for _, tt := range tests {
		t.Run(tt.scan, func(t *testing.T) {
			m, err := f.bench.Lookup(ctx, tt.scan)
			require.NoError(t, err)
			assert.Equal(t, tt.outcome, m.Outcome)
			if tt.ref != "" {
				require.NotNil(t, m.TradeIn)
				assert.Equal(t, tt.ref, m.TradeIn.Reference)
			}
			if tt.outcome == intake.OutcomeInvalid {
				assert.NotEmpty(t, m.Problem, "an invalid scan says why")
			}
			if tt.outcome == intake.OutcomeFlagged {
				require.NotNil(t, m.Flag)
				assert.Equal(t, intake.FlagBlacklisted, m.Flag.Kind)
			}
		})
	}
}

func TestReceiveThenAlreadyReceived(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.bench.Receive(ctx, tech, "IMEI: 356938035643809")
	require.NoError(t, err)
	assert.Equal(t, intake.Receipt{TradeInID: "1", IMEI: "356938035643809", Operator: tech.ID, Bench: "bench-7", At: f.now, EventKey: "key-1"}, r)

	m, err := f.bench.Lookup(ctx, "356938035643809")
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeAlreadyReceived, m.Outcome)
	require.NotNil(t, m.Receipt)
	assert.Equal(t, "bench-7", m.Receipt.Bench)

	_, err = f.bench.Receive(ctx, supervisor, "356938035643809")
	var already *intake.AlreadyReceivedError
	require.True(t, errors.As(err, &already), "got %v", err)
	assert.Contains(t, err.Error(), tech.ID, "says who received it")
	assert.Contains(t, err.Error(), "bench-7", "says where")

	pending, err := f.store.PendingEvents(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1, "the refused second receipt queued nothing")
	assert.Equal(t, string(intake.EventReceived), pending[0].Kind)
}

func TestReceiveRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var nr *intake.NotReceivableError
	_, err := f.bench.Receive(ctx, tech, "490154203237518")
	require.True(t, errors.As(err, &nr), "got %v", err)
	assert.Equal(t, intake.StatusOffered, nr.Status)

	_, err = f.bench.Receive(ctx, tech, "353918050000005")
	require.True(t, errors.As(err, &nr), "got %v", err)
	assert.Equal(t, intake.OutcomeFlagged, nr.Outcome)

	_, err = f.bench.Receive(ctx, intake.Operator{ID: "x", Name: "Guest", Role: "guest"}, "356938035643809")
	var pe *intake.PermissionError
	require.True(t, errors.As(err, &pe))

	n, err := f.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "refusals change nothing")
}

func cleanInspection(mods ...func(*intake.Inspection)) intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 90}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	for _, m := range mods {
		m(&in)
	}
	return in
}

func TestGradingAsDisclosedAndDamagedOnArrival(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.bench.RecordGrading(ctx, tech, "1", cleanInspection())
	require.ErrorContains(t, err, "has not been received", "grading needs a receipt first")

	_, err = f.bench.Receive(ctx, tech, "356938035643809")
	require.NoError(t, err)
	g, err := f.bench.RecordGrading(ctx, tech, "1", cleanInspection(func(in *intake.Inspection) {
		in.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked
	}))
	require.NoError(t, err)
	assert.Equal(t, intake.ConditionPoor, g.Grade.Condition)
	assert.True(t, g.Decision.Reroute, "a cracked screen disclosed as good is rerouted")
	assert.Equal(t, intake.PriceTableFromBase(40000)[intake.ConditionPoor], g.Decision.GradedPrice)

	pending, err := f.store.PendingEvents(ctx, 10)
	require.NoError(t, err)
	var kinds []string
	for _, e := range pending {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []string{"tradein.received", "tradein.graded", "tradein.rerouted"}, kinds)
	n, err := f.store.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n, "every event is in the audit log")
}

func TestGradingRejectsInvalidInspectionAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.bench.Receive(ctx, tech, "356938035643809")
	require.NoError(t, err)
	_, err = f.bench.RecordGrading(ctx, tech, "1", cleanInspection(func(in *intake.Inspection) { delete(in.Checks, intake.CheckPower) }))
	require.ErrorContains(t, err, "critical check power has no result")
	n, err := f.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the receipt is queued")
}

// A phone traded in before and again now may be known to the old trade-in
// by its IMEI and to the new one only by its serial: both are found, and
// the one that expects the device wins.
func TestLookupFindsEveryTradeInOfAScan(t *testing.T) {
	f := newFixture(t)
	m, err := f.bench.Lookup(context.Background(), "IMEI: 352099001761481 S/N: C39XK0ABHG1")
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeMatched, m.Outcome)
	require.NotNil(t, m.TradeIn)
	assert.Equal(t, "TI-1", m.TradeIn.Reference)
}

// The receipt records the IMEI the device was matched by: the one of the
// scan that the trade-in knows, whichever of the trade-in's IMEIs it is.
func TestReceiptRecordsTheMatchingIMEI(t *testing.T) {
	tests := []struct {
		name, scan, tradeIn, imei string
	}{
		{"the trade-in's second IMEI", "356938035643817", "5", "356938035643817"},
		{"the label's second IMEI", "IMEI 1: 358240051111110 IMEI 2: 356938035643809", "1", "356938035643809"},
		{"a serial gives the trade-in's IMEI", "S/N: C39XK0ABHG1", "1", "356938035643809"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			dual := intake.TradeIn{ID: "5", Reference: "TI-5", Status: intake.StatusShipped, IMEI: "352099001761499", IMEI2: "356938035643817",
				Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Disclosed: intake.ConditionGood, Offer: 32000,
				UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
			require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{TradeIns: []intake.TradeIn{dual}}, "c2"))
			r, err := f.bench.Receive(ctx, tech, tt.scan)
			require.NoError(t, err)
			assert.Equal(t, tt.tradeIn, r.TradeInID)
			assert.Equal(t, tt.imei, r.IMEI)
		})
	}
}

// A phone traded in more than once is known to several trade-ins: the one
// that expects it wins, then the most recently updated, whatever order the
// store lists them in.
func TestLookupPicksAmongTheTradeInsOfADevice(t *testing.T) {
	const imei = "358240051111110"
	tradeIn := func(id string, status intake.Status, updated time.Time) intake.TradeIn {
		return intake.TradeIn{ID: id, Reference: "TI-" + id, Status: status, IMEI: imei,
			Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Disclosed: intake.ConditionGood, Offer: 32000, UpdatedAt: updated}
	}
	older, newer := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		tradeIns []intake.TradeIn // in the order the store holds them
		ref      string
		outcome  intake.Outcome
	}{
		{"the newer of two finished, listed first", []intake.TradeIn{tradeIn("A", intake.StatusCompleted, newer), tradeIn("B", intake.StatusCompleted, older)},
			"TI-A", intake.OutcomeAlreadyReceived},
		{"the newer of two finished, listed last", []intake.TradeIn{tradeIn("A", intake.StatusCompleted, older), tradeIn("B", intake.StatusCompleted, newer)},
			"TI-B", intake.OutcomeAlreadyReceived},
		{"the one expecting it over a newer finished one", []intake.TradeIn{tradeIn("A", intake.StatusShipped, older), tradeIn("B", intake.StatusCompleted, newer)},
			"TI-A", intake.OutcomeMatched},
		{"a finished one over a newer one not accepted yet", []intake.TradeIn{tradeIn("A", intake.StatusCompleted, older), tradeIn("B", intake.StatusOffered, newer)},
			"TI-A", intake.OutcomeAlreadyReceived},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{TradeIns: tt.tradeIns}, "c2"))
			m, err := f.bench.Lookup(ctx, imei)
			require.NoError(t, err)
			require.NotNil(t, m.TradeIn)
			assert.Equal(t, tt.ref, m.TradeIn.Reference)
			assert.Equal(t, tt.outcome, m.Outcome)
		})
	}
}

// TestClerkNeitherReceivesNorGrades: the bench service itself refuses a
// clerk the warehouse's work, whatever a screen shows, and records nothing.
func TestClerkNeitherReceivesNorGrades(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.bench.Receive(ctx, tech, "356938035643809") // so that grading and photos have a device
	require.NoError(t, err)
	tests := []struct {
		name   string
		do     func() error
		action intake.Action
	}{
		{"receive", func() error { _, err := f.bench.Receive(ctx, clerk, "490154203237518"); return err }, intake.ActionReceive},
		{"receive by hand", func() error {
			_, err := f.bench.ReceiveByTradeIn(ctx, clerk, "3", unknownIMEI, "label torn")
			return err
		}, intake.ActionReceive},
		{"quarantine", func() error { return f.bench.Quarantine(ctx, clerk, unknownIMEI, "no paperwork") }, intake.ActionQuarantine},
		{"grade", func() error { _, err := f.bench.RecordGrading(ctx, clerk, "1", cleanInspection()); return err }, intake.ActionGrade},
		{"photo", func() error { _, err := f.bench.AddPhoto(ctx, clerk, "1", "front", photoPNG(t)); return err }, intake.ActionGrade},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var pe *intake.PermissionError
			require.True(t, errors.As(err, &pe), "got %v", err)
			assert.Equal(t, tt.action, pe.Action)
			assert.EqualError(t, err, "Carl (clerk) may not "+string(tt.action))
		})
	}
	n, err := f.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the technician's receipt is queued")
}
