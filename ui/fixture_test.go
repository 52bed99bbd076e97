package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/store"
)

var (
	tech       = intake.Operator{ID: "op-tech", Name: "Tess", Role: intake.RoleTechnician}
	clerk      = intake.Operator{ID: "op-clerk", Name: "Carl", Role: intake.RoleClerk}
	supervisor = intake.Operator{ID: "op-super", Name: "Sam", Role: intake.RoleSupervisor}
)

const (
	imeiShipped  = "356938035643809" // TI-1, shipped, disclosed good
	imeiFlagged  = "353918050000005" // TI-3, blacklisted
	imeiWalkIn   = "358240051111110" // no trade-in: a walk-in
	pinTech      = "4821"
	pinSuper     = "9999"
	pinClerk     = "1234"
	badgeTech    = "BADGE-7"
	tradeInShip  = "1"
	customerName = "Ada Lovelace"
)

// fixture is a real bench store file with trade-ins, operators and a
// catalog, and the real bench and login services over it.
type fixture struct {
	store *store.Store
	bench *intake.Bench
	login *intake.Login
	clock fakeClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	prices := intake.PriceTableFromBase(40000)
	tradeIn := func(id, imei, customer string, status intake.Status) intake.TradeIn {
		return intake.TradeIn{ID: id, Reference: "TI-" + id, Status: status, IMEI: imei, Serial: "C39XK0ABHG" + id,
			Device:   intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
			Customer: intake.Customer{Name: customer}, Tracking: "1Z999" + id,
			Disclosed: intake.ConditionGood, Offer: prices[intake.ConditionGood], Prices: prices,
			UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	}
	hash := func(pin string) string {
		h, err := intake.HashPIN(pin, 4)
		require.NoError(t, err)
		return h
	}
	require.NoError(t, st.ApplyChanges(ctx, store.Changes{
		TradeIns: []intake.TradeIn{
			tradeIn("1", imeiShipped, customerName, intake.StatusShipped),
			tradeIn("2", "490154203237518", "Alan Turing", intake.StatusOffered),
			tradeIn("3", imeiFlagged, "Grace Hopper", intake.StatusAccepted),
		},
		Flags: []intake.Flag{{IMEI: imeiFlagged, Kind: intake.FlagBlacklisted, Reason: "reported stolen", Since: time.Now()}},
		Operators: []store.OperatorRecord{
			{Operator: tech, Badge: badgeTech, PINHash: hash(pinTech)},
			{Operator: clerk, PINHash: hash(pinClerk)},
			{Operator: supervisor, Badge: "BADGE-S", PINHash: hash(pinSuper)},
		},
		Variants: []intake.Variant{{
			Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", Carrier: "Unlocked", SKU: "APIP13128UN"},
			Prices: intake.PriceTableFromSeed000(intake.Seed000Prices{Broken: 8500, Poor: 18000, Average: 32000, Excellent: 42500, New: 47500}),
		}},
	}, "c1"))
	f := &fixture{store: st, clock: newFakeClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))}
	var mu sync.Mutex
	keys := 0
	f.bench = intake.NewBench(st, "bench-7", f.clock.Now, func() string {
		mu.Lock()
		defer mu.Unlock()
		keys++
		return fmt.Sprintf("key-%d", keys)
	})
	f.login = intake.NewLogin(st, f.clock.Now)
	return f
}

// flagChecker answers IMEI checks from the store's flags, standing in for
// the hub's registry client.
type flagChecker struct{ s *store.Store }

func (c flagChecker) Check(ctx context.Context, imei string) (intake.IMEICheck, error) {
	f, flagged, err := c.s.FlagFor(ctx, imei)
	if err != nil || !flagged {
		return intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean}, err
	}
	return intake.IMEICheck{IMEI: imei, Status: intake.IMEIStatus(f.Kind), Reason: f.Reason}, nil
}

// session is a fixed operator.
type session struct{ op intake.Operator }

func (s session) Operator() intake.Operator { return s.op }

// fakeClock is the tests' one fake clock, its timers typed as the screens
// take them.
type fakeClock struct{ *clock.Fake }

func newFakeClock(now time.Time) fakeClock { return fakeClock{clock.NewFake(now)} }

func (c fakeClock) AfterFunc(d time.Duration, f func()) Timer { return c.Fake.AfterFunc(d, f) }

// sounds counts what was played.
type sounds struct {
	mu               sync.Mutex
	success, trouble int
}

func (s *sounds) Success() { s.mu.Lock(); s.success++; s.mu.Unlock() }
func (s *sounds) Trouble() { s.mu.Lock(); s.trouble++; s.mu.Unlock() }

func (s *sounds) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.success, s.trouble
}

// settling returns an Env post function and a function that waits until
// cond holds. Background results wait in a queue until the test applies
// them, one by one on its own goroutine, as Fyne's main thread would.
func settling(t *testing.T) (post func(func()), until func(what string, cond func() bool)) {
	results := make(chan func(), 1000)
	post = func(apply func()) { results <- apply }
	until = func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for !cond() {
			select {
			case apply := <-results:
				apply()
			case <-deadline:
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	return post, until
}

// cleanInspection passes everything; mod changes it.
func cleanInspection(mod func(*intake.Inspection)) intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	if mod != nil {
		mod(&in)
	}
	return in
}

// rerouted receives trade-in 1 and grades it with a cracked screen.
func (f *fixture) rerouted(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	_, err := f.bench.Receive(ctx, tech, imeiShipped)
	require.NoError(t, err)
	g, err := f.bench.RecordGrading(ctx, tech, tradeInShip, cleanInspection(func(in *intake.Inspection) {
		in.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked
	}))
	require.NoError(t, err)
	require.True(t, g.Decision.Reroute)
}

// findButton finds the button labelled text anywhere under o.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, c := range test.LaidOutObjects(o) {
		if b, ok := c.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q", text)
	return nil
}
