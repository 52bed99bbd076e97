package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// ReviewSource lists the units waiting for a supervisor and their photos;
// store.Store is one. A source that is also a QueueFetcher lists the
// devices other benches rerouted too (intake.Review.Remote).
type ReviewSource interface {
	ReviewQueue(ctx context.Context) ([]intake.Review, error)
	PhotoReader
}

// QueueFetcher brings the hub's review queue, every bench's reroutes, to
// this bench, for ReviewQueue to list. The review screen asks it when it
// shows and every ReviewFetchEvery while it does.
type QueueFetcher interface {
	FetchQueue(ctx context.Context) error
}

// QuarantineLister lists the devices every bench of the hub set aside on
// the quarantine shelf (benchsync.SharedQueue is one): a supervisor sees
// the whole shelf from any bench.
type QuarantineLister interface {
	Quarantines(ctx context.Context) ([]intake.QuarantinedDevice, error)
}

// ReviewFetchEvery is how often a review screen on show fetches the hub's
// queue: a reroute at another bench shows within it.
const ReviewFetchEvery = 30 * time.Second

// Decider records a supervisor's decision. BenchDecider adapts
// intake.Bench.
type Decider interface {
	Decide(ctx context.Context, op intake.Operator, tradeInID string, req intake.DecisionRequest) (intake.SupervisorDecision, error)
}

// DeciderFunc adapts a function to a Decider.
type DeciderFunc func(ctx context.Context, op intake.Operator, tradeInID string, req intake.DecisionRequest) (intake.SupervisorDecision, error)

// Decide calls f.
func (f DeciderFunc) Decide(ctx context.Context, op intake.Operator, tradeInID string, req intake.DecisionRequest) (intake.SupervisorDecision, error) {
	return f(ctx, op, tradeInID, req)
}

// BenchDecider is the bench service deciding against its review store.
func BenchDecider(b *intake.Bench, rs intake.ReviewStore) Decider {
	return DeciderFunc(func(ctx context.Context, op intake.Operator, id string, req intake.DecisionRequest) (intake.SupervisorDecision, error) {
		return b.Decide(ctx, rs, op, id, req)
	})
}

// ReviewScreen is the supervisor's queue of rerouted devices.
type ReviewScreen struct {
	env    Env
	source ReviewSource
	decide Decider

	title    *widget.Label
	list     *widget.List
	card     *card
	compare  *fyne.Container
	photos   *fyne.Container
	prices   *widget.Label
	reason   *entry
	amount   *entry
	days     *entry
	buttons  []*widget.Button
	msg      message
	detail   *fyne.Container
	scroll   *container.Scroll
	armed    intake.DecisionKind // pressed once, waiting to be confirmed
	content  fyne.CanvasObject
	queue    []intake.Review
	selected *intake.Review
	busy     bool

	fetcher  QueueFetcher // nil: the source lists this bench's units only
	shelf    QuarantineLister
	shelved  []intake.QuarantinedDevice
	shelfErr error
	shelfBtn *widget.Button // nil without a shelf to list
	hubNote  *widget.Label
	fetching bool
	poll     Timer // the next fetch
	polling  bool  // poll is set: the screen shows

	// OnDecided is called on the UI goroutine once a decision is recorded.
	OnDecided func(intake.SupervisorDecision)
	// OnShown is called on the UI goroutine when a unit's detail shows.
	OnShown func(intake.Review)
}

// NewReviewScreen builds the queue and starts loading it.
func NewReviewScreen(env Env, source ReviewSource, decide Decider) *ReviewScreen {
	s := &ReviewScreen{env: env, source: source, decide: decide, msg: newMessage()}
	s.fetcher, _ = source.(QueueFetcher)
	s.shelf, _ = source.(QuarantineLister)
	s.title = bold("Review queue")
	s.hubNote = widget.NewLabel("")
	s.hubNote.Wrapping = fyne.TextWrapWord
	s.hubNote.Hide()
	s.list = widget.NewList(func() int { return len(s.queue) },
		func() fyne.CanvasObject {
			return tall(widget.NewLabel("TI-0000-000000 · disclosed excellent → graded broken"), touchHeight)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := s.queue[i]
			d := r.Grading.Decision
			text := fmt.Sprintf("%s · %s %s · %s → %s · %s", r.TradeIn.Reference, r.TradeIn.Device.Make, r.TradeIn.Device.Model,
				d.Disclosed, d.Graded, signedMoney(d.Delta()))
			if r.State == intake.UnitPhotosRequested {
				text += " · photos requested"
			}
			if r.Remote {
				text += " · rerouted at " + r.Grading.Bench
			}
			o.(*fyne.Container).Objects[0].(*widget.Label).SetText(text)
		})
	s.list.OnSelected = func(i widget.ListItemID) { s.Select(i) }
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), s.Reload)

	s.card = newResultCard(resultRerouted, "", 24)
	s.compare = container.NewGridWithColumns(2)
	s.photos = container.NewHBox()
	s.prices = widget.NewLabel("")
	s.prices.TextStyle = fyne.TextStyle{Bold: true}
	s.reason = newMultiLineEntry(env)
	s.reason.SetPlaceHolder("Reason for the record (needed to decline, override or ask for photos)")
	s.reason.OnChanged = func(string) { s.env.touch(); s.disarm() }
	s.reason.SetMinRowsVisible(2)
	s.amount = newEntry(env)
	s.amount.SetPlaceHolder("amount, e.g. 150.00")
	s.amount.OnChanged = func(string) { s.env.touch(); s.disarm() }
	s.days = newEntry(env)
	s.days.OnChanged = func(string) { s.env.touch(); s.disarm() }
	s.days.SetText(strconv.Itoa(int(intake.DefaultCounterOfferExpiry / (24 * time.Hour))))
	s.buttons = []*widget.Button{
		bigButton("Confirm decline — return to customer", theme.CancelIcon(), widget.DangerImportance, func() { s.Decide(intake.DecideDecline) }),
		bigButton("Send counter-offer", theme.MailSendIcon(), widget.HighImportance, func() { s.Decide(intake.DecideCounterOffer) }),
		bigButton("Override — pay the original offer", theme.ConfirmIcon(), widget.WarningImportance, func() { s.Decide(intake.DecideOverride) }),
		bigButton("Ask for more photos", theme.MediaPhotoIcon(), widget.MediumImportance, func() { s.Decide(intake.DecideMorePhotos) }),
	}
	counter := container.NewGridWithColumns(2,
		container.NewBorder(nil, nil, widget.NewLabel("Counter-offer $"), nil, s.amount),
		container.NewBorder(nil, nil, widget.NewLabel("expires in days"), nil, s.days))
	buttons := container.NewGridWithColumns(2)
	for _, b := range s.buttons {
		buttons.Add(tall(b, touchHeight))
	}
	// What to read scrolls; what to decide with stays put under it, with
	// the answer to a decision beside the buttons, whatever the photos.
	s.scroll = container.NewVScroll(container.NewVBox(s.compare, s.prices, bold("Photos (tap to enlarge)"), container.NewHScroll(s.photos)))
	s.detail = container.NewBorder(s.card.content, container.NewVBox(widget.NewSeparator(), s.reason, counter, s.msg.Label, buttons),
		nil, nil, s.scroll)
	s.detail.Hide()
	top := container.NewVBox(container.NewBorder(nil, nil, nil, refresh, s.title), s.hubNote)
	if s.shelf != nil {
		// Under the title, not beside it: the queue's column is narrow.
		s.shelfBtn = widget.NewButtonWithIcon("Quarantine shelf", theme.WarningIcon(), s.ShowShelf)
		top.Add(container.NewHBox(s.shelfBtn))
	}
	left := container.NewBorder(top, nil, nil, nil, s.list)
	right := s.detail
	split := container.NewHSplit(left, right)
	split.Offset = 0.35
	s.content = split
	s.Reload()
	return s
}

func (s *ReviewScreen) actions() []action {
	if !s.detail.Visible() {
		return nil
	}
	return actions(nil, s.buttons...)
}

// Content is the screen's root object.
func (s *ReviewScreen) Content() fyne.CanvasObject { return s.content }

// Queue is the queue as last loaded, for tests.
func (s *ReviewScreen) Queue() []intake.Review { return s.queue }

// Message is the feedback text, for tests and accessibility.
func (s *ReviewScreen) Message() string { return s.msg.Text }

// HubNote says how current the other benches' reroutes are, for tests.
func (s *ReviewScreen) HubNote() string { return s.hubNote.Text }

// Reload loads the queue again, and fetches the hub's queue: every bench's
// reroutes. The shell calls it each time the screen shows; from then on it
// fetches every ReviewFetchEvery while the screen shows.
func (s *ReviewScreen) Reload() {
	s.load()
	s.fetch()
}

// fetch brings the hub's queue here, then lists it, and sets the next
// fetch. A hub that does not answer leaves the queue as last fetched.
func (s *ReviewScreen) fetch() {
	if s.fetcher == nil || s.fetching {
		return
	}
	s.fetching = true
	// The fetch runs off the UI's goroutine: it reads its own copy of env.
	env, fetcher := s.env, s.fetcher
	background(env, func(ctx context.Context) (time.Time, error) {
		return env.now(), fetcher.FetchQueue(ctx)
	}, func(at time.Time, err error) {
		s.fetching = false
		s.fetchShelf()
		s.hubNote.Show()
		if err != nil {
			s.hubNote.SetText(fmt.Sprintf("Could not sync with the hub (%v): showing other benches' reroutes as last synced.", err))
		} else {
			s.hubNote.SetText("Every bench's reroutes, as of " + at.Local().Format("15:04:05"))
			s.load()
		}
		s.schedule()
	})
}

// fetchShelf lists the hub's quarantine shelf on its button: how many
// devices wait there, from every bench.
func (s *ReviewScreen) fetchShelf() {
	if s.shelf == nil {
		return
	}
	background(s.env, s.shelf.Quarantines, func(qs []intake.QuarantinedDevice, err error) {
		s.shelfErr = err
		if err != nil {
			s.shelfBtn.SetText("Quarantine shelf (?)")
			return
		}
		s.shelved = qs
		s.shelfBtn.SetText(fmt.Sprintf("Quarantine shelf (%d)", len(qs)))
	})
}

// Shelf is the quarantine shelf as last synced, one line a device, for
// the dialog and tests.
func (s *ReviewScreen) Shelf() []string {
	lines := make([]string, 0, len(s.shelved))
	for _, q := range s.shelved {
		device := q.Scan
		if len(q.Identifiers) > 0 {
			device = strings.ToUpper(string(q.Identifiers[0].Kind)) + " " + q.Identifiers[0].Value
		}
		line := fmt.Sprintf("%s · set aside by %s at %s, %s · %s", device, s.env.operatorName(q.Operator), q.Bench,
			q.At.Local().Format("2 Jan 15:04"), q.Reason)
		if q.Flag != nil {
			line = "FLAGGED " + string(q.Flag.Kind) + ": " + line
		}
		lines = append(lines, line)
	}
	return lines
}

// ShowShelf opens the quarantine shelf: every device a bench of the hub
// set aside, flagged ones first marked, newest last.
func (s *ReviewScreen) ShowShelf() {
	s.env.touch()
	w := s.env.Window
	if w == nil {
		return
	}
	var body fyne.CanvasObject
	switch lines := s.Shelf(); {
	case s.shelfErr != nil:
		body = widget.NewLabel(fmt.Sprintf("The quarantine shelf could not be read: %v", s.shelfErr))
	case len(lines) == 0:
		body = widget.NewLabel("Nothing is on the quarantine shelf.")
	default:
		list := widget.NewList(func() int { return len(lines) }, func() fyne.CanvasObject { return widget.NewLabel("") },
			func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(lines[i]) })
		body = container.NewGridWrap(fyne.NewSize(760, 360), list)
	}
	dialog.ShowCustom("Quarantine shelf — every bench", "Close", body, w)
}

// schedule sets the next fetch.
func (s *ReviewScreen) schedule() {
	s.polling = true
	if s.poll != nil {
		s.poll.Reset(ReviewFetchEvery)
		return
	}
	clock := s.env.Clock
	if clock == nil {
		clock = SystemClock()
	}
	s.poll = clock.AfterFunc(ReviewFetchEvery, func() { onUI(s.env, s.tick) })
}

// tick fetches again if the screen still shows to someone who decides: a
// hidden tab, a locked bench or another role stops the fetches until the
// screen shows again (Reload).
func (s *ReviewScreen) tick() {
	if !s.content.Visible() || intake.Authorize(s.env.operator(), intake.ActionDecide) != nil {
		s.polling = false
		return
	}
	s.fetch()
}

// onUI runs f on the UI goroutine (the test's, in tests).
func onUI(env Env, f func()) {
	if env.post != nil {
		env.post(f)
		return
	}
	fyne.Do(f)
}

// load lists the queue as the source has it.
func (s *ReviewScreen) load() {
	background(s.env, s.source.ReviewQueue, func(q []intake.Review, err error) {
		if err != nil {
			s.msg.error(explain("Loading the review queue", err))
			return
		}
		s.queue = q
		remote := 0
		for _, r := range q {
			if r.Remote {
				remote++
			}
		}
		switch {
		case len(q) == 0:
			s.title.SetText("Review queue (0): nothing waits for a supervisor")
		case remote > 0:
			s.title.SetText(fmt.Sprintf("Review queue (%d, %d from other benches)", len(q), remote))
		default:
			s.title.SetText(fmt.Sprintf("Review queue (%d)", len(q)))
		}
		s.list.Refresh()
		showing := s.selected != nil
		if showing {
			for i, r := range q {
				if r.TradeIn.ID == s.selected.TradeIn.ID && r.State == s.selected.State {
					// Still waiting: keep it on screen with what the
					// supervisor typed so far.
					s.selected = &q[i]
					s.keepSelection(i)
					return
				}
			}
		}
		s.selected = nil
		s.list.UnselectAll()
		s.detail.Hide()
		if !showing && len(q) > 0 {
			s.list.Select(0) // the oldest waits longest: show it at once
		}
	})
}

// keepSelection highlights row i without resetting the detail.
func (s *ReviewScreen) keepSelection(i int) {
	onSelected := s.list.OnSelected
	s.list.OnSelected = nil
	s.list.Select(i)
	s.list.OnSelected = onSelected
}

// Select shows unit i of the queue.
func (s *ReviewScreen) Select(i int) {
	s.env.touch()
	if i < 0 || i >= len(s.queue) {
		return
	}
	r := s.queue[i]
	s.selected = &r
	d, g, t := r.Grading.Decision, r.Grading.Grade, r.TradeIn
	s.card.show(resultRerouted, fmt.Sprintf("%s — disclosed %s, graded %s", t.Reference, d.Disclosed, d.Graded), deviceLine(t))

	var answers strings.Builder
	for _, a := range t.Answers {
		fmt.Fprintf(&answers, "%s — %s\n", a.Question, a.Answer)
	}
	disclosed := widget.NewLabel(fmt.Sprintf("Condition: %s\nCustomer: %s\n%s", d.Disclosed, t.Customer.Name, answers.String()))
	disclosed.Wrapping = fyne.TextWrapWord
	graded := widget.NewLabel(fmt.Sprintf("Condition: %s\nCosmetic grade %s, functional %d\nWhy: %s\nNotes: %s\nBy %s at bench %s, %s",
		g.Condition, g.Cosmetic, g.Functional, strings.Join(g.Reasons, "; "), r.Grading.Inspection.Notes,
		s.env.operatorName(r.Grading.Operator), r.Grading.Bench, r.Grading.At.Local().Format("2006-01-02 15:04")))
	if r.Remote {
		graded.SetText(fmt.Sprintf("Rerouted at bench %s, which holds the device.\n%s", r.Grading.Bench, graded.Text))
	}
	graded.Wrapping = fyne.TextWrapWord
	s.compare.Objects = []fyne.CanvasObject{widget.NewCard("Disclosed", "", disclosed), widget.NewCard("Graded", "", graded)}
	s.compare.Refresh()
	s.prices.SetText(fmt.Sprintf("Offer %s · graded price %s · delta %s", money(d.Offer), money(d.GradedPrice), signedMoney(d.Delta())))

	s.photos.RemoveAll()
	for _, ph := range r.Photos {
		s.photos.Add(thumbnail(s.env, s.source, ph, 140))
	}
	if len(r.Photos) == 0 {
		s.photos.Add(widget.NewLabel("No photos: ask for more photos before deciding on a damage claim."))
	}
	s.reason.SetText("")
	s.amount.SetText(d.GradedPrice.String())
	s.setBusy(false)
	s.disarm()
	s.msg.clear()
	s.scroll.ScrollToTop()
	s.detail.Show()
	if s.OnShown != nil {
		s.OnShown(r)
	}
}

// Focus puts the keyboard in the reason for the record: the shortcuts
// decide (Ctrl+O, Ctrl+M), and what is typed first is why.
func (s *ReviewScreen) Focus(c fyne.Canvas) { c.Focus(s.reason) }

// Decide records a decision of kind on the selected unit.
func (s *ReviewScreen) Decide(kind intake.DecisionKind) {
	s.env.touch()
	if s.busy || s.selected == nil {
		return
	}
	// A shortcut can come within the keystroke filter's hold of the last
	// key typed: what was typed counts.
	for _, e := range []*entry{s.reason, s.amount, s.days} {
		e.settle()
	}
	req := intake.DecisionRequest{Kind: kind, Reason: strings.TrimSpace(s.reason.Text)}
	if kind == intake.DecideCounterOffer {
		amount, err := intake.ParseCents(s.amount.Text)
		if err != nil {
			s.msg.error(fmt.Sprintf("Counter-offer: %v. Type the amount in dollars, e.g. 150.00.", err))
			return
		}
		days, err := strconv.Atoi(strings.TrimSpace(s.days.Text))
		if err != nil || days < 1 {
			s.msg.error("Counter-offer: the expiry must be a whole number of days, 1 or more (usually 7).")
			return
		}
		req.CounterOffer, req.Expires = amount, s.env.now().Add(time.Duration(days)*24*time.Hour)
	}
	// Money moves on these three: the first press says what will happen,
	// the second (the button or its shortcut again) does it.
	if kind != intake.DecideMorePhotos && s.armed != kind {
		s.armed = kind
		s.msg.say(widget.WarningImportance, confirmQuestion(*s.selected, req))
		return
	}
	s.armed = ""
	r, op := *s.selected, s.env.operator()
	s.setBusy(true)
	background(s.env, func(ctx context.Context) (intake.SupervisorDecision, error) {
		return s.decide.Decide(ctx, op, r.TradeIn.ID, req)
	}, func(d intake.SupervisorDecision, err error) {
		s.setBusy(false)
		if err != nil {
			s.env.trouble()
			s.msg.error(explain("Deciding on "+r.TradeIn.Reference, err))
			return
		}
		s.env.success()
		s.msg.success(decisionSummary(r, d))
		if s.OnDecided != nil {
			s.OnDecided(d)
		}
		s.Reload()
	})
}

func (s *ReviewScreen) setBusy(busy bool) {
	s.busy = busy
	for _, b := range s.buttons {
		if busy {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// disarm forgets a first press: what it asked about has changed.
// forget drops what the last supervisor typed: a reason for the record is
// its author's, and a counter-offer amount theirs to propose.
func (s *ReviewScreen) forget() {
	if s.selected != nil {
		for i, r := range s.queue {
			if r.TradeIn.ID == s.selected.TradeIn.ID {
				s.Select(i) // afresh: the graded price, no reason
				return
			}
		}
	}
	s.reason.SetText("")
	s.disarm()
}

func (s *ReviewScreen) disarm() {
	if s.armed != "" {
		s.armed = ""
		s.msg.clear()
	}
}

// confirmQuestion says what a decision will do before it is done.
func confirmQuestion(r intake.Review, req intake.DecisionRequest) string {
	ref, who := r.TradeIn.Reference, r.TradeIn.Customer.Name
	switch req.Kind {
	case intake.DecideDecline:
		return fmt.Sprintf("Decline %s? The device goes back to %s and nothing is paid. Press Confirm decline again to do it.", ref, who)
	case intake.DecideCounterOffer:
		return fmt.Sprintf("Send %s a counter-offer of %s for %s, open until %s? Press Send counter-offer (or Ctrl+O) again to send it.",
			who, money(req.CounterOffer), ref, req.Expires.Local().Format("2006-01-02"))
	case intake.DecideOverride:
		return fmt.Sprintf("Pay %s the original offer of %s for %s although it arrived worse than disclosed? Press Override again to do it.",
			who, money(r.TradeIn.Offer), ref)
	}
	return fmt.Sprintf("%s %s? Press again to do it.", req.Kind, ref)
}

func decisionSummary(r intake.Review, d intake.SupervisorDecision) string {
	ref, who := r.TradeIn.Reference, r.TradeIn.Customer.Name
	switch d.Kind {
	case intake.DecideDecline:
		return fmt.Sprintf("%s declined: the device goes back to %s. Move it to the return-to-customer shelf.", ref, who)
	case intake.DecideCounterOffer:
		return fmt.Sprintf("%s: counter-offer of %s sent to %s, open until %s.", ref, money(d.CounterOffer), who, d.Expires.Local().Format("2006-01-02"))
	case intake.DecideOverride:
		return fmt.Sprintf("%s accepted: %s is paid the original offer of %s.", ref, who, money(r.TradeIn.Offer))
	case intake.DecideMorePhotos:
		return fmt.Sprintf("%s: more photos requested. The technician sees it when the device is scanned again.", ref)
	}
	return fmt.Sprintf("%s: %s recorded.", ref, d.Kind)
}
