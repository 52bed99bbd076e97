package ui

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
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

// hubQueue stands in for the hub's queue at a bench: each fetch is a pull
// that brings the hub's items into the real store as the feed does, each
// trade-in with the trade-ins and its review by the trade-in's id, and
// deletes those the hub no longer lists.
type hubQueue struct {
	*store.Store
	items   []intake.Review
	fetches atomic.Int32
	sent    []string // the trade-ins of the items the last fetch kept
}

func (q *hubQueue) FetchQueue(ctx context.Context) error {
	q.fetches.Add(1)
	c := store.Changes{Complete: true, ReadAt: time.Now()}
	listed := map[string]bool{}
	for _, r := range q.items {
		c.TradeIns = append(c.TradeIns, r.TradeIn)
		r.TradeIn = intake.TradeIn{ID: r.TradeIn.ID}
		c.Reviews = append(c.Reviews, r)
		listed[r.TradeIn.ID] = true
	}
	for _, id := range q.sent {
		if !listed[id] {
			c.DeletedReviews = append(c.DeletedReviews, id)
		}
	}
	cursor, err := q.Cursor(ctx)
	if err != nil {
		return err
	}
	if err := q.ApplyChanges(ctx, c, cursor); err != nil {
		return err
	}
	q.sent = q.sent[:0]
	for id := range listed {
		q.sent = append(q.sent, id)
	}
	return nil
}

// The Review tab lists a device another bench rerouted next to this
// bench's, saying which bench; it fetches the hub's queue when it shows
// and every 30 s while it does, and stops when it is hidden.
func TestReviewShowsTheHubsQueue(t *testing.T) {
	f := newFixture(t)
	f.rerouted(t)
	remote := intake.Review{State: intake.UnitRerouted,
		TradeIn: intake.TradeIn{ID: "2", Reference: "TI-2", Status: intake.StatusInspected, IMEI: "490154203237518",
			Device: intake.Device{Make: "Apple", Model: "iPhone 13"}, Customer: intake.Customer{Name: "Alan Turing"}, Offer: 32000},
		Grading: intake.Grading{TradeInID: "2", Bench: "bench-a", Operator: "op-tech", At: f.clock.Now().Add(time.Hour),
			Decision: intake.Decision{Reroute: true, Disclosed: intake.ConditionGood, Graded: intake.ConditionPoor, Offer: 32000, GradedPrice: 16000}}}
	hub := &hubQueue{Store: f.store, items: []intake.Review{remote}}
	test.NewTempApp(t)
	post, until := settling(t)
	s := NewReviewScreen(Env{Session: session{supervisor}, Clock: f.clock, post: post}, hub, BenchDecider(f.bench, f.store))
	test.NewTempWindow(t, s.Content())

	until("the hub's queue", func() bool { return len(s.Queue()) == 2 })
	assert.Equal(t, []bool{false, true}, []bool{s.Queue()[0].Remote, s.Queue()[1].Remote}, "this bench's first: graded earlier")
	assert.Equal(t, "Review queue (2, 1 from other benches)", s.title.Text)
	assert.Equal(t, "Every bench's reroutes, as of "+f.clock.Now().Local().Format("15:04:05"), s.HubNote())
	row := s.list.CreateItem()
	s.list.UpdateItem(1, row)
	assert.Equal(t, "TI-2 · Apple iPhone 13 · good → poor · −$160.00 · rerouted at bench-a",
		row.(*fyne.Container).Objects[0].(*widget.Label).Text)
	s.Select(1)
	graded := s.compare.Objects[1].(*widget.Card).Content.(*widget.Label).Text
	assert.Equal(t, "Rerouted at bench bench-a, which holds the device.", strings.SplitN(graded, "\n", 2)[0])

	// Every 30 s while it shows; a decision elsewhere leaves the queue.
	assert.Equal(t, int32(1), hub.fetches.Load())
	hub.items = nil
	f.clock.Advance(ReviewFetchEvery)
	until("the next fetch", func() bool { return len(s.Queue()) == 1 })
	assert.Equal(t, int32(2), hub.fetches.Load())
	assert.Equal(t, "Review queue (1)", s.title.Text)

	// Hidden (another tab), it stops; shown again, it fetches at once.
	s.Content().Hide()
	f.clock.Advance(ReviewFetchEvery)
	until("the poll to stop", func() bool { return !s.polling })
	assert.Equal(t, int32(2), hub.fetches.Load())
	s.Content().Show()
	s.Reload()
	until("the fetch on show", func() bool { return s.polling && !s.fetching })
	assert.Equal(t, int32(3), hub.fetches.Load())
}

// shelvedQueue is the hub's queue with its quarantine shelf, which fails
// once fail is set (the screen reads it in the background).
type shelvedQueue struct {
	*hubQueue
	shelf []intake.QuarantinedDevice
	fail  atomic.Bool
}

func (q *shelvedQueue) Quarantines(context.Context) ([]intake.QuarantinedDevice, error) {
	if q.fail.Load() {
		return nil, errors.New("the shelf cannot be read")
	}
	return q.shelf, nil
}

// The Review tab shows how many devices every bench set aside on the
// quarantine shelf, and lists them, flagged ones marked, with who set
// them aside where; a hub that does not answer is said so.
func TestReviewShowsTheQuarantineShelf(t *testing.T) {
	f := newFixture(t)
	at := time.Date(2026, 12, 5, 9, 41, 0, 0, time.Local)
	hub := &shelvedQueue{hubQueue: &hubQueue{Store: f.store}, shelf: []intake.QuarantinedDevice{
		{Scan: "356938035643809", Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: "356938035643809"}},
			Operator: "op-tech", Bench: "bench-a", At: at, Reason: "no trade-in matches", EventKey: "q1"},
		{Scan: "490154203237518", Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: "490154203237518"}},
			Flag:     &intake.Flag{IMEI: "490154203237518", Kind: intake.FlagBlacklisted, Reason: "reported stolen"},
			Operator: "op-sup", Bench: "bench-c", At: at.Add(5 * time.Minute), Reason: "flagged at scan", EventKey: "q2"},
	}}
	test.NewTempApp(t)
	post, until := settling(t)
	names := map[string]string{"op-tech": "Tess Tech", "op-sup": "Sam Supervisor"}
	s := NewReviewScreen(Env{Session: session{supervisor}, Clock: f.clock, post: post, OperatorName: func(id string) string { return names[id] }},
		hub, BenchDecider(f.bench, f.store))
	w := test.NewTempWindow(t, s.Content())
	s.env.Window = w

	until("the shelf", func() bool { return s.shelfBtn.Text == "Quarantine shelf (2)" })
	assert.Equal(t, []string{
		"IMEI 356938035643809 · set aside by Tess Tech at bench-a, 5 Dec 09:41 · no trade-in matches",
		"FLAGGED blacklisted: IMEI 490154203237518 · set aside by Sam Supervisor at bench-c, 5 Dec 09:46 · flagged at scan",
	}, s.Shelf())
	test.Tap(s.shelfBtn)
	require.NotNil(t, w.Canvas().Overlays().Top(), "the shelf opens over the queue")

	hub.fail.Store(true)
	f.clock.Advance(ReviewFetchEvery)
	until("the failed fetch", func() bool { return s.shelfBtn.Text == "Quarantine shelf (?)" })
}
