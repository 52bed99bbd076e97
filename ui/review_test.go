package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func newReviewScreen(t *testing.T, f *fixture, op intake.Operator) (*ReviewScreen, func(string, func() bool)) {
	t.Helper()
	test.NewTempApp(t)
	post, until := settling(t)
	s := NewReviewScreen(Env{Session: session{op}, Clock: f.clock, post: post}, f.store, BenchDecider(f.bench, f.store))
	test.NewTempWindow(t, s.Content())
	return s, until
}

func TestSupervisorCounterOffer(t *testing.T) {
	f := newFixture(t)
	f.rerouted(t)
	s, until := newReviewScreen(t, f, supervisor)
	until("the queue", func() bool { return len(s.Queue()) == 1 })
	s.Select(0)
	assert.Equal(t, "160.00", s.amount.Text, "the counter-offer starts at the graded price")
	assert.Equal(t, "7", s.days.Text, "and expires in a week")
	decided := make(chan intake.SupervisorDecision, 1)
	s.OnDecided = func(d intake.SupervisorDecision) { decided <- d }
	s.amount.SetText("150")
	test.Tap(s.buttons[1])
	assert.Equal(t, "Send Ada Lovelace a counter-offer of $150.00 for TI-1, open until 2026-12-01? Press Send counter-offer (or Ctrl+O) again to send it.",
		s.Message(), "money moves on the second press")
	assert.Len(t, decided, 0)
	test.Tap(s.buttons[1])
	until("the decision", func() bool { return len(decided) == 1 })
	d := <-decided
	assert.Equal(t, intake.Cents(15000), d.CounterOffer)
	assert.Equal(t, f.clock.Now().Add(7*24*time.Hour), d.Expires)
	until("the queue to empty", func() bool { return len(s.Queue()) == 0 })
	assert.Contains(t, s.Message(), "counter-offer of $150.00 sent to Ada Lovelace")
}

func TestCounterOfferInputErrors(t *testing.T) {
	f := newFixture(t)
	f.rerouted(t)
	s, until := newReviewScreen(t, f, supervisor)
	until("the queue", func() bool { return len(s.Queue()) == 1 })
	s.Select(0)
	s.amount.SetText("lots")
	test.Tap(s.buttons[1])
	assert.Contains(t, s.Message(), "Type the amount in dollars")
	s.amount.SetText("150")
	s.days.SetText("0")
	test.Tap(s.buttons[1])
	assert.Contains(t, s.Message(), "1 or more")
}

func TestTechnicianForcedOntoReviewSeesPermissionError(t *testing.T) {
	f := newFixture(t)
	f.rerouted(t)
	s, until := newReviewScreen(t, f, tech)
	until("the queue", func() bool { return len(s.Queue()) == 1 })
	s.Select(0)
	test.Type(s.reason, "I say so")
	test.Tap(s.buttons[2]) // override
	test.Tap(s.buttons[2]) // confirmed
	until("the refusal", func() bool { return !s.busy && s.Message() != "" })
	assert.Contains(t, s.Message(), "Not allowed: Tess (technician) may not supervisor-decision")
	assert.Len(t, s.Queue(), 1)
	state, err := f.store.UnitState(context.Background(), tradeInShip)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitRerouted, state, "the refusal changed nothing")
}

func TestMorePhotosKeepsTheUnitQueued(t *testing.T) {
	f := newFixture(t)
	f.rerouted(t)
	s, until := newReviewScreen(t, f, supervisor)
	until("the queue", func() bool { return len(s.Queue()) == 1 })
	s.Select(0)
	require.Len(t, s.photos.Objects, 1)
	assert.Contains(t, s.photos.Objects[0].(*widget.Label).Text, "No photos", "a unit without photos says so")
	test.Type(s.reason, "cannot see the frame")
	test.Tap(s.buttons[3])
	until("the reload", func() bool { return len(s.Queue()) == 1 && s.Queue()[0].State == intake.UnitPhotosRequested })
	assert.Contains(t, s.Message(), "more photos requested")
}
