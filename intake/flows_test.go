package intake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

var supervisor = intake.Operator{ID: "op-super", Name: "Sam", Role: intake.RoleSupervisor}

// rerouted receives trade-in 1 and grades it with a cracked screen, so it
// waits for a supervisor.
func rerouted(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	_, err := f.bench.Receive(ctx, tech, "356938035643809")
	require.NoError(t, err)
	g, err := f.bench.RecordGrading(ctx, tech, "1", cleanInspection(func(in *intake.Inspection) {
		in.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked
	}))
	require.NoError(t, err)
	require.True(t, g.Decision.Reroute)
}

func TestSupervisorQueueAndDecisions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		req   intake.DecisionRequest
		state intake.UnitState
		event string
	}{
		{"decline", intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "customer hid the crack"}, intake.UnitDeclined, "tradein.payout_declined"},
		{"counter-offer", intake.DecisionRequest{Kind: intake.DecideCounterOffer, CounterOffer: 15000}, intake.UnitCounterOffered, "tradein.counter_offer"},
		{"override", intake.DecisionRequest{Kind: intake.DecideOverride, Reason: "loyal customer"}, intake.UnitAccepted, "tradein.override_accepted"},
		{"more photos", intake.DecisionRequest{Kind: intake.DecideMorePhotos, Reason: "cannot see the frame"}, intake.UnitPhotosRequested, "tradein.photos_requested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rerouted(t, f)
			_, err := f.bench.AddPhoto(ctx, tech, "1", "front", photoPNG(t))
			require.NoError(t, err)

			queue, err := f.store.ReviewQueue(ctx)
			require.NoError(t, err)
			require.Len(t, queue, 1)
			r := queue[0]
			assert.Equal(t, intake.ConditionGood, r.Grading.Decision.Disclosed)
			assert.Equal(t, intake.ConditionPoor, r.Grading.Decision.Graded)
			assert.Negative(t, int64(r.Grading.Decision.Delta()), "the price delta shows what the damage costs")
			require.Len(t, r.Photos, 1)
			assert.Equal(t, "front", r.Photos[0].Angle)

			d, err := f.bench.Decide(ctx, f.store, supervisor, "1", tt.req)
			require.NoError(t, err)
			assert.NotEmpty(t, d.Reason, "every decision has a why")
			state, err := f.store.UnitState(ctx, "1")
			require.NoError(t, err)
			assert.Equal(t, tt.state, state)
			if tt.req.Kind == intake.DecideCounterOffer {
				assert.Equal(t, f.now.Add(intake.DefaultCounterOfferExpiry), d.Expires)
			}
			pending, err := f.store.PendingEvents(ctx, 10)
			require.NoError(t, err)
			assert.Equal(t, tt.event, pending[len(pending)-1].Kind)

			queue, err = f.store.ReviewQueue(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.state.AwaitsSupervisor(), len(queue) == 1)
		})
	}
}

func TestOnlySupervisorsDecide(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rerouted(t, f)
	for _, op := range []intake.Operator{tech, clerk} {
		for _, kind := range []intake.DecisionKind{intake.DecideOverride, intake.DecideDecline, intake.DecideCounterOffer} {
			_, err := f.bench.Decide(ctx, f.store, op, "1", intake.DecisionRequest{Kind: kind, Reason: "I say so", CounterOffer: 100})
			var pe *intake.PermissionError
			require.True(t, errors.As(err, &pe), "%s %s: %v", op.Role, kind, err)
		}
	}
	state, err := f.store.UnitState(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, intake.UnitRerouted, state, "refusals change nothing")
}

func TestDecisionValidation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rerouted(t, f)
	tests := []struct {
		req  intake.DecisionRequest
		want string
	}{
		{intake.DecisionRequest{Kind: intake.DecideCounterOffer}, "above zero"},
		{intake.DecisionRequest{Kind: intake.DecideCounterOffer, CounterOffer: 99999}, "not below the original offer"},
		{intake.DecisionRequest{Kind: intake.DecideCounterOffer, CounterOffer: 32000}, "a counter-offer of 320.00 is not below the original offer of 320.00"},
		{intake.DecisionRequest{Kind: intake.DecideCounterOffer, CounterOffer: -1}, "above zero"},
		{intake.DecisionRequest{Kind: intake.DecideCounterOffer, CounterOffer: 100, Expires: f.now.Add(-time.Hour)}, "expire in the future"},
		{intake.DecisionRequest{Kind: intake.DecideDecline}, "needs a reason"},
		{intake.DecisionRequest{Kind: intake.DecideOverride, Reason: "x", CounterOffer: 5}, "takes no amount"},
		{intake.DecisionRequest{Kind: "shrug"}, `unknown supervisor decision "shrug"`},
	}
	for _, tt := range tests {
		_, err := f.bench.Decide(ctx, f.store, supervisor, "1", tt.req)
		assert.ErrorContains(t, err, tt.want, tt.req)
	}
	_, err := f.bench.Decide(ctx, f.store, supervisor, "1", intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "hidden crack"})
	require.NoError(t, err)
	_, err = f.bench.Decide(ctx, f.store, supervisor, "1", intake.DecisionRequest{Kind: intake.DecideOverride, Reason: "changed my mind"})
	assert.ErrorContains(t, err, "not waiting for a supervisor", "a decided unit leaves the queue")
}

func TestLoginByPINLocksOutAfterRepeatedFailures(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	hash, err := intake.HashPIN("4821", 4)
	require.NoError(t, err)
	assert.NotContains(t, hash, "4821", "the PIN is never stored in clear")
	require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{Operators: []store.OperatorRecord{
		{Operator: tech, Badge: "BADGE-7", PINHash: hash},
	}}, "c2"))
	now := f.now
	login := intake.NewLogin(f.store, func() time.Time { return now })

	op, err := login.ByPIN(ctx, tech.ID, "4821")
	require.NoError(t, err)
	assert.Equal(t, tech, op)
	op, err = login.ByBadge(ctx, "BADGE-7")
	require.NoError(t, err)
	assert.Equal(t, tech, op)
	_, err = login.ByBadge(ctx, "BADGE-404")
	assert.ErrorIs(t, err, intake.ErrBadCredentials)
	_, err = login.ByPIN(ctx, "nobody", "4821")
	assert.ErrorIs(t, err, intake.ErrBadCredentials, "an unknown operator looks like a wrong PIN")

	for range intake.MaxPINAttempts - 1 {
		_, err = login.ByPIN(ctx, tech.ID, "0000")
		require.ErrorIs(t, err, intake.ErrBadCredentials)
	}
	_, err = login.ByPIN(ctx, tech.ID, "0000")
	var locked *intake.LockedOutError
	require.True(t, errors.As(err, &locked), "got %v", err)
	assert.Equal(t, now.Add(intake.LockoutFor), locked.Until)

	_, err = login.ByPIN(ctx, tech.ID, "4821")
	require.True(t, errors.As(err, &locked), "the right PIN is refused while locked out")
	_, err = login.ByBadge(ctx, "BADGE-7")
	require.True(t, errors.As(err, &locked), "and so is the badge")

	now = now.Add(intake.LockoutFor + time.Second)
	_, err = login.ByPIN(ctx, tech.ID, "4821")
	require.NoError(t, err, "the lockout ends")

	// A pull from the hub does not reset the count of wrong PINs.
	for range intake.MaxPINAttempts - 1 {
		_, err = login.ByPIN(ctx, tech.ID, "0000")
		require.ErrorIs(t, err, intake.ErrBadCredentials)
	}
	require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{Operators: []store.OperatorRecord{{Operator: tech, Badge: "BADGE-7", PINHash: hash}}}, "c3"))
	_, err = login.ByPIN(ctx, tech.ID, "0000")
	require.True(t, errors.As(err, &locked), "got %v", err)
}

func TestPINHashing(t *testing.T) {
	h1, err := intake.HashPIN("123456", 0)
	require.NoError(t, err)
	h2, err := intake.HashPIN("123456", 0)
	require.NoError(t, err)
	assert.NotEqual(t, h1, h2, "salted")
	ok, err := intake.VerifyPIN(h1, "123456")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = intake.VerifyPIN(h1, "123457")
	require.NoError(t, err)
	assert.False(t, ok)
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$bcrypt$x$y$z$w"} {
		_, err := intake.VerifyPIN(bad, "123456")
		assert.Error(t, err, bad)
	}
	for _, pin := range []string{"12", "12a4", "", "12345", "12345a"} {
		_, err := intake.HashPIN(pin, 0)
		assert.Error(t, err, "%q under the default policy of 6 digits", pin)
	}
	_, err = intake.HashPIN("1234", 4)
	assert.NoError(t, err, "a hub whose policy allows 4 digits")
	_, err = intake.HashPIN("12345", 6)
	assert.ErrorContains(t, err, "a PIN needs at least 6 digits")
	for _, pin := range []string{"123456789a", "12/456", "12:456"} {
		_, err := intake.HashPIN(pin, 0)
		assert.Error(t, err, pin)
	}
	h, err := intake.HashPIN("908070", 0)
	require.NoError(t, err, "0 and 9 are PIN digits")
	ok, err = intake.VerifyPIN(h, "908070")
	require.NoError(t, err)
	assert.True(t, ok)
}

// A hash carries its parameters, so that they can be raised later: those at
// the limits VerifyPIN allows are read (the PIN just does not match), those
// past them are refused before any work is done.
func TestVerifyPINParameterLimits(t *testing.T) {
	const (
		salt  = "c2FsdHNhbHQ" // "saltsalt"
		key3  = "AAEC"
		key64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw"
		key65 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A"
	)
	tests := []struct {
		name, hash string
		valid      bool
	}{
		{"16 passes, the most allowed", "$argon2id$v=19$m=8,t=16,p=1$" + salt + "$" + key3, true},
		{"17 passes", "$argon2id$v=19$m=8,t=17,p=1$" + salt + "$" + key3, false},
		{"a 64-byte key", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key64, true},
		{"a 65-byte key", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key65, false},
		{"an empty key", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$", false},
		{"over 1 GiB of memory", "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key3, false},
		{"no thread", "$argon2id$v=19$m=8,t=1,p=0$" + salt + "$" + key3, false},
		{"no pass", "$argon2id$v=19$m=8,t=0,p=1$" + salt + "$" + key3, false},
		{"another version", "$argon2id$v=16$m=8,t=1,p=1$" + salt + "$" + key3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := intake.VerifyPIN(tt.hash, "1234")
			assert.False(t, ok)
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

func TestWalkIn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	variant := intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", Carrier: "Unlocked", SKU: "APIP13128UN"},
		Prices: intake.PriceTableFromSeed000(intake.Seed000Prices{Broken: 8500, Poor: 18000, Average: 32000, Excellent: 42500, New: 47500})}
	clean := intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearLight, Body: intake.WearNone, BatteryOK: true}
	const imei = "358240051111110"
	w := intake.WalkIn{Variant: variant, Disclosure: clean, IMEI: imei, Check: intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean},
		Customer: intake.Customer{Name: "Grace Hopper"}, Payout: intake.PayoutStoreCredit}

	q, err := intake.QuoteWalkIn(variant, clean)
	require.NoError(t, err)
	assert.Equal(t, intake.Quote{Condition: intake.ConditionGood, Price: 32000}, q)

	refusals := []struct {
		name string
		op   intake.Operator
		mod  func(*intake.WalkIn)
		want string
	}{
		{"technicians do not run walk-ins", tech, nil, "may not walk-in"},
		{"unchecked IMEI", clerk, func(w *intake.WalkIn) { w.Check = intake.IMEICheck{} }, "has not been checked"},
		{"flagged IMEI", clerk, func(w *intake.WalkIn) {
			w.Check = intake.IMEICheck{IMEI: imei, Status: intake.IMEIStatus(intake.FlagFinanceLocked), Reason: "balance owed"}
		}, "do not buy"},
		{"locally flagged IMEI", clerk, func(w *intake.WalkIn) {
			w.IMEI, w.Check = "353918050000005", intake.IMEICheck{IMEI: "353918050000005", Status: intake.IMEIClean}
		}, "blacklisted"},
		{"open trade-in", clerk, func(w *intake.WalkIn) {
			w.IMEI, w.Check = "356938035643809", intake.IMEICheck{IMEI: "356938035643809", Status: intake.IMEIClean}
		}, "already belongs to trade-in TI-1"},
		{"bad IMEI", clerk, func(w *intake.WalkIn) { w.IMEI = "358240051111111" }, "check digit"},
		{"no customer", clerk, func(w *intake.WalkIn) { w.Customer.Name = " " }, "customer's name"},
		{"payout", clerk, func(w *intake.WalkIn) { w.Payout = "bitcoin" }, `unknown payout method "bitcoin"`},
		{"wear", clerk, func(w *intake.WalkIn) { w.Disclosure.Screen = "shattered" }, `unknown wear "shattered"`},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			req := w
			if tt.mod != nil {
				tt.mod(&req)
			}
			_, _, err := f.bench.AcceptWalkIn(ctx, f.store, tt.op, req)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	n, err := f.store.CountPending(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "refused walk-ins change nothing")

	ti, r, err := f.bench.AcceptWalkIn(ctx, f.store, clerk, w)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusReceived, ti.Status)
	assert.Equal(t, intake.Cents(32000), ti.Offer)
	assert.Equal(t, clerk.ID, r.Operator)
	m, err := f.bench.Lookup(ctx, imei)
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeAlreadyReceived, m.Outcome, "received on the spot")
	pending, err := f.store.PendingEvents(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "tradein.walkin_accepted", pending[0].Kind)
	assert.Contains(t, string(pending[0].Payload), `"payout":{"method":"store-credit","amount":32000}`)
}

func TestDisclosureCondition(t *testing.T) {
	ok := intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true}
	tests := []struct {
		name string
		mod  func(*intake.Disclosure)
		want intake.Condition
	}{
		{"flawless", func(*intake.Disclosure) {}, intake.ConditionExcellent},
		{"light screen", func(d *intake.Disclosure) { d.Screen = intake.WearLight }, intake.ConditionGood},
		{"visible body", func(d *intake.Disclosure) { d.Body = intake.WearVisible }, intake.ConditionFair},
		{"cracked screen", func(d *intake.Disclosure) { d.Screen = intake.WearCracked }, intake.ConditionPoor},
		{"cracked back", func(d *intake.Disclosure) { d.Body = intake.WearCracked }, intake.ConditionFair},
		{"battery", func(d *intake.Disclosure) { d.BatteryOK = false }, intake.ConditionGood},
		{"dead", func(d *intake.Disclosure) { d.PowersOn = false }, intake.ConditionBroken},
		{"locked", func(d *intake.Disclosure) { d.AccountRemoved = false }, intake.ConditionBroken},
	}
	for _, tt := range tests {
		d := ok
		tt.mod(&d)
		c, err := d.Condition()
		require.NoError(t, err)
		assert.Equal(t, tt.want, c, tt.name)
	}
}
