package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func newLoginScreen(t *testing.T, f *fixture) (*LoginScreen, chan intake.Operator, func(string, func() bool), *sounds) {
	t.Helper()
	test.NewTempApp(t)
	post, until := settling(t)
	snd := &sounds{}
	s := NewLoginScreen(Env{Clock: f.clock, Sound: snd, post: post}, f.login, f.store)
	logins := make(chan intake.Operator, 1)
	s.OnLogin = func(op intake.Operator) { logins <- op }
	test.NewTempWindow(t, s.Content())
	until("the operator list", func() bool { return len(s.pick.Options) == 3 })
	return s, logins, until, snd
}

func TestLoginByPIN(t *testing.T) {
	f := newFixture(t)
	s, logins, until, snd := newLoginScreen(t, f)
	s.pick.SetSelected(operatorLabel(tech))
	test.Type(s.pin, pinTech)
	s.pin.TypedKey(keyReturn())
	until("the login", func() bool { return len(logins) == 1 })
	assert.Equal(t, tech, <-logins)
	assert.Empty(t, s.pin.Text, "the PIN never stays in the field")
	ok, _ := snd.counts()
	assert.Equal(t, 1, ok)
}

func TestLoginByBadgeScan(t *testing.T) {
	f := newFixture(t)
	s, logins, until, _ := newLoginScreen(t, f)
	s.HandleScan("\x02" + badgeTech + "\r\n") // a wedge scanner's framing is ignored
	until("the login", func() bool { return len(logins) == 1 })
	assert.Equal(t, tech, <-logins)

	s.HandleScan("BADGE-404")
	until("the refusal", func() bool { return s.Message() != "" && s.Message() != "Checking…" })
	assert.Contains(t, s.Message(), "not recognised")
}

func TestLoginWrongPINThenLockout(t *testing.T) {
	f := newFixture(t)
	s, logins, until, snd := newLoginScreen(t, f)
	s.pick.SetSelected(operatorLabel(tech))
	for i := 1; i < intake.MaxPINAttempts; i++ {
		test.Type(s.pin, "0000")
		test.Tap(s.login)
		until("the refusal", func() bool { return !s.checking })
		assert.Contains(t, s.Message(), "Badge or PIN not recognised", "attempt %d", i)
	}
	_, trouble := snd.counts()
	assert.Equal(t, intake.MaxPINAttempts-1, trouble, "each refusal buzzes")

	test.Type(s.pin, "0000")
	test.Tap(s.login)
	until("the lockout", func() bool { return !s.checking })
	assert.Contains(t, s.Message(), "Locked out")
	assert.Contains(t, s.Message(), f.clock.Now().Add(intake.LockoutFor).Local().Format("15:04"), "says until when")

	test.Type(s.pin, pinTech)
	test.Tap(s.login)
	until("the refusal", func() bool { return !s.checking })
	assert.Contains(t, s.Message(), "Locked out", "the right PIN is refused while locked out")
	select {
	case op := <-logins:
		t.Fatalf("%s logged in while locked out", op.Name)
	default:
	}
}

func TestLoginAsksForMissingInput(t *testing.T) {
	f := newFixture(t)
	s, _, _, _ := newLoginScreen(t, f)
	test.Tap(s.login)
	assert.Equal(t, "Pick your name first, then type your PIN.", s.Message())
	s.pick.SetSelected(operatorLabel(clerk))
	test.Tap(s.login)
	assert.Equal(t, "Type your PIN, then press Enter.", s.Message())
	require.False(t, s.checking, "nothing was sent to the login service")
}
