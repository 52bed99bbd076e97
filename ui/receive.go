package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Lookuper resolves a scan to a match; intake.Bench is one.
type Lookuper interface {
	Lookup(ctx context.Context, raw string) (intake.Match, error)
}

// Receiver records a matched device as received; intake.Bench is one.
type Receiver interface {
	Receive(ctx context.Context, op intake.Operator, scan string) (intake.Receipt, error)
}

// ReceiveDeps are the services of the receive screen. Only Lookup is
// required: without a Receiver the screen only shows matches, and the
// manual paths (search, link, quarantine) appear as far as their services
// exist.
type ReceiveDeps struct {
	Lookup     Lookuper
	Receiver   Receiver
	Search     TradeInSearcher
	Link       Linker
	Quarantine Quarantiner
	// Labels shows the label of a unit this bench holds, to print again.
	Labels Labels
	// ToDo lists the devices received here whose work is not done; none
	// hides the list.
	ToDo ToDoLister
}

// ReceiveScreen is the big scan prompt, the colour-coded match card and
// what can be done with the match.
type ReceiveScreen struct {
	env  Env
	deps ReceiveDeps

	entry   *entry
	card    *card
	todo    *widget.Label // what to do now, in bold
	details *widget.Label // the facts
	receive *widget.Button
	grade   *widget.Button
	manual  *manualPanel
	label   *labelPanel
	toDo    *toDoPanel
	scroll  *container.Scroll
	content fyne.CanvasObject

	match *intake.Match // the match on the card, nil when none
	busy  bool

	// OnShown is called on the UI goroutine after a match is displayed.
	OnShown func(intake.Match)
	// OnReceived is called on the UI goroutine once a receipt is recorded:
	// the device goes on to grading.
	OnReceived func(intake.TradeIn, intake.Receipt)
	// OnGraded is called on the UI goroutine when the card shows the result
	// of a grading.
	OnGraded func(intake.TradeIn, intake.Grading)
	// OnGrade is called when the operator asks to grade a device this bench
	// received before (e.g. after a request for more photos).
	OnGrade func(intake.TradeIn)
}

// NewReceiveScreen builds the receive screen.
func NewReceiveScreen(env Env, deps ReceiveDeps) *ReceiveScreen {
	s := &ReceiveScreen{env: env, deps: deps}
	s.entry = newPromptEntry(env)
	s.entry.SetPlaceHolder("Scan or type an IMEI, MEID or serial, then Enter")
	s.entry.OnSubmitted = s.submitted
	s.entry.OnChanged = func(string) { s.env.touch() }
	s.card = newResultCard(resultReady, "Ready to scan", 36)
	s.todo = widget.NewLabel("")
	s.todo.TextStyle = fyne.TextStyle{Bold: true}
	s.todo.Wrapping = fyne.TextWrapWord
	s.todo.Hide()
	s.details = widget.NewLabel("")
	s.details.Wrapping = fyne.TextWrapWord
	s.receive = bigButton("Receive (Enter)", theme.ConfirmIcon(), widget.SuccessImportance, s.Receive)
	s.grade = bigButton("Grade this device", theme.DocumentCreateIcon(), widget.HighImportance, s.gradeAgain)
	s.manual = newManualPanel(s)
	s.label = newLabelPanel(env, deps.Labels)
	s.toDo = newToDoPanel(env, deps.ToDo, s.HandleScan)
	s.toDo.reload()
	s.receive.Hide()
	s.grade.Hide()
	actions := container.NewHBox(tall(s.receive, touchHeight), tall(s.grade, touchHeight))
	s.scroll = container.NewVScroll(container.NewVBox(s.todo, s.details, s.label.content, s.manual.content, s.toDo.content, layout.NewSpacer()))
	s.content = container.NewBorder(container.NewVBox(tall(s.entry, touchHeight), s.card.content, actions), nil, nil, nil, s.scroll)
	return s
}

// Content is the screen's root object.
func (s *ReceiveScreen) Content() fyne.CanvasObject { return s.content }

func (s *ReceiveScreen) actions() []action {
	out := actions(nil, s.receive, s.grade)
	if s.manual.content.Visible() {
		if s.deps.Search != nil && s.deps.Link != nil {
			out = append(out, actions(s.scroll, s.manual.link)...)
		}
		if s.deps.Quarantine != nil {
			out = append(out, actions(s.scroll, s.manual.quaran)...)
		}
	}
	return out
}

// Focus gives the scan prompt the keyboard, so a wedge scanner's keystrokes land in it.
func (s *ReceiveScreen) Focus(c fyne.Canvas) { c.Focus(s.entry) }

func (s *ReceiveScreen) refocus() {
	if s.env.Window != nil {
		s.Focus(s.env.Window.Canvas())
	}
}

// HandleScan takes a scan from any source (serial scanner, wedge detector)
// whatever has the keyboard.
func (s *ReceiveScreen) HandleScan(raw string) {
	s.env.touch()
	s.Submit(raw)
	s.refocus()
}

func (s *ReceiveScreen) submitted(text string) {
	// Enter on an empty prompt receives the device on the card, or grades
	// the one this bench holds that waits for its grading.
	if strings.TrimSpace(text) == "" && s.receive.Visible() && !s.receive.Disabled() {
		s.Receive()
		return
	}
	if strings.TrimSpace(text) == "" && s.grade.Visible() && s.match != nil && toGrade(s.match.Unit) {
		s.gradeAgain()
		return
	}
	s.Submit(text)
}

// Submit looks a scan up off the UI goroutine and shows the match.
func (s *ReceiveScreen) Submit(scan string) {
	if strings.TrimSpace(scan) == "" {
		return
	}
	s.entry.SetText("")
	s.match = nil
	s.receive.Hide()
	s.grade.Hide()
	s.manual.hide()
	s.label.hide()
	s.paint(cardText{result: resultReady, headline: "Looking up…"})
	background(s.env, func(ctx context.Context) (intake.Match, error) { return s.deps.Lookup.Lookup(ctx, scan) },
		func(m intake.Match, err error) {
			if err != nil {
				s.env.trouble()
				s.paint(cardText{result: resultFailed, headline: "Lookup failed",
					todo:  "The scan was not recorded. Try again; if it keeps failing, call a supervisor.",
					facts: fmt.Sprintf("Scan %q could not be looked up: %v", scan, err)})
				return
			}
			s.show(m)
		})
}

func (s *ReceiveScreen) show(m intake.Match) {
	s.match = &m
	s.paint(describe(m, s.env.operatorName))
	switch {
	case m.Outcome == intake.OutcomeMatched && s.deps.Receiver != nil:
		s.receive.Enable()
		s.receive.Show()
		s.env.success()
	case m.Outcome == intake.OutcomeMatched:
		s.env.success()
	case m.Outcome == intake.OutcomeAlreadyReceived && s.receivedHere(m):
		s.grade.Show()
		s.label.show(*m.TradeIn)
		s.env.trouble()
	case m.Outcome == intake.OutcomeUnknown:
		s.manual.show(m)
		s.env.trouble()
	default:
		s.env.trouble()
	}
	s.toDo.reload()
	if s.OnShown != nil {
		s.OnShown(m)
	}
}

// ReloadToDo lists what is still to do at this bench again: the app calls
// it when the hub's review queue was fetched.
func (s *ReceiveScreen) ReloadToDo() { s.toDo.reload() }

// ToDo is the to-do list's rows as shown, for tests and accessibility.
func (s *ReceiveScreen) ToDo() []string { return s.toDo.Lines() }

// receivedHere reports whether this bench holds the unit, so it can grade
// it again (after a request for more photos, or an interrupted grading).
func (s *ReceiveScreen) receivedHere(m intake.Match) bool {
	return s.OnGrade != nil && s.env.Bench != "" && m.TradeIn != nil && m.Receipt != nil && m.Receipt.Bench == s.env.Bench
}

func (s *ReceiveScreen) gradeAgain() {
	if s.match != nil && s.match.TradeIn != nil && s.OnGrade != nil {
		s.OnGrade(*s.match.TradeIn)
	}
}

// Receive records the matched device as received and hands it on to grading.
func (s *ReceiveScreen) Receive() {
	s.env.touch()
	if s.busy || s.match == nil || s.match.Outcome != intake.OutcomeMatched || s.deps.Receiver == nil {
		return
	}
	m := *s.match
	op := s.env.operator()
	s.busy = true
	s.receive.Disable()
	background(s.env, func(ctx context.Context) (intake.Receipt, error) { return s.deps.Receiver.Receive(ctx, op, m.Scan) },
		func(r intake.Receipt, err error) {
			s.busy = false
			s.receive.Hide()
			if err != nil {
				s.env.trouble()
				s.paint(cardText{result: resultFailed, headline: "Not received", subject: deviceLine(*m.TradeIn),
					facts: explain("Receiving "+m.TradeIn.Reference, err)})
				s.refocus()
				return
			}
			s.received(*m.TradeIn, r)
		})
}

func (s *ReceiveScreen) received(t intake.TradeIn, r intake.Receipt) {
	s.match = nil
	s.env.success()
	s.paint(cardText{result: resultMatched, headline: "Received: " + t.Reference, subject: deviceLine(t), todo: "Grade it next.",
		facts: "Recorded at " + r.At.Local().Format("15:04:05") + "."})
	s.refocus()
	s.toDo.reload()
	if s.OnReceived != nil {
		s.OnReceived(t, r)
	}
}

// quarantined says a device is set aside, ready for the next scan.
func (s *ReceiveScreen) quarantined(scan, reason string) {
	s.match = nil
	s.receive.Hide()
	s.grade.Hide()
	s.manual.hide()
	s.paint(cardText{result: resultQuarantined, headline: "Quarantined", subject: scan,
		todo:  "Label it and put it on the quarantine shelf. Scan the next device.",
		facts: fmt.Sprintf("Device %s quarantined: %s.", scan, reason)})
	s.refocus()
}

// Reset puts the screen back to "Ready to scan", e.g. after grading.
func (s *ReceiveScreen) Reset(note string) {
	s.match = nil
	s.receive.Hide()
	s.grade.Hide()
	s.manual.hide()
	s.paint(cardText{result: resultReady, headline: "Ready to scan", facts: note})
	s.refocus()
}

// cardText is what the card and the text under it say, most important
// first: what happened (headline), what it is (subject), what to do now
// (todo, in bold), then the facts.
type cardText struct {
	result                         result
	headline, subject, todo, facts string
}

func (s *ReceiveScreen) paint(t cardText) {
	s.card.show(t.result, t.headline, t.subject)
	s.todo.SetText(t.todo)
	if t.todo == "" {
		s.todo.Hide()
	} else {
		s.todo.Show()
	}
	s.details.SetText(t.facts)
}

// Headline is the text of the match card, for tests and accessibility.
func (s *ReceiveScreen) Headline() string { return s.card.headline.Text }

// Details is the card's text beyond its headline, subject line first,
// for tests and accessibility.
func (s *ReceiveScreen) Details() string {
	var parts []string
	for _, l := range []*widget.Label{s.card.subject, s.todo, s.details} {
		if l.Visible() && l.Text != "" {
			parts = append(parts, l.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// BannerColour is the colour of the match card.
func (s *ReceiveScreen) BannerColour() color.Color { return s.card.banner.FillColor }

// SetHint shows text under the card until the first scan.
func (s *ReceiveScreen) SetHint(text string) { s.details.SetText(text) }

// Icon is the card's icon, which tells the result by shape.
func (s *ReceiveScreen) Icon() fyne.Resource { return s.card.icon.Resource }

// toGrade reports whether a unit this bench holds waits for its grading:
// received and never graded, or a supervisor asked for more photos.
func toGrade(u intake.UnitState) bool {
	return u == intake.UnitReceived || u == intake.UnitPhotosRequested
}

// describe turns a match into what the card says; name turns an
// operator's id into their name.
func describe(m intake.Match, name func(id string) string) cardText {
	c := cardText{result: outcomeResult(m.Outcome)}
	var b strings.Builder
	if t := m.TradeIn; t != nil {
		c.subject = deviceLine(*t)
		b.WriteString(tradeInFacts(*t))
	}
	ids := make([]string, 0, len(m.Identifiers))
	for _, id := range m.Identifiers {
		ids = append(ids, fmt.Sprintf("%s %s", strings.ToUpper(string(id.Kind)), id.Value))
	}
	if len(ids) > 0 {
		fmt.Fprintf(&b, "Scanned: %s\n", strings.Join(ids, ", "))
	}
	if m.Problem != "" {
		fmt.Fprintf(&b, "Problem: %s\n", m.Problem)
	}
	switch m.Outcome {
	case intake.OutcomeMatched:
		c.headline, c.todo = "Match: "+m.TradeIn.Reference, "Press Enter or Receive to record the device as received."
	case intake.OutcomeFlagged:
		c.headline = "Stop: " + string(m.Flag.Kind)
		c.todo = fmt.Sprintf("STOP: %s — %s. Do not grade, pay or return this device; set it aside for a supervisor.", m.Flag.Kind, m.Flag.Reason)
	case intake.OutcomeAlreadyReceived:
		if r := m.Receipt; r != nil {
			fmt.Fprintf(&b, "Received by %s at bench %s on %s\n", name(r.Operator), r.Bench, r.At.Local().Format("2006-01-02 15:04"))
		}
		switch m.Unit {
		case intake.UnitReceived:
			c.headline, c.todo = "Received, not graded yet", "Not graded yet: press Enter or Grade this device to grade it now."
		case intake.UnitPhotosRequested:
			c.headline = "More photos requested"
			c.todo = "A supervisor asked for more photos: press Enter or Grade this device, take the photos, and confirm the grading again."
		case intake.UnitRerouted:
			c.result, c.headline = resultRerouted, "Already received — waiting for a supervisor"
			c.todo = "Worse than disclosed: it waits for a supervisor on the Returns shelf."
		case intake.UnitCounterOffered:
			c.result, c.headline = resultRerouted, "Already received — counter-offer waiting"
			c.todo = "A counter-offer waits for the customer's answer: keep the device on the Returns shelf."
		default:
			c.headline = "Already received"
		}
	case intake.OutcomeModelMismatch:
		if t, l := m.TradeIn, m.TAC; t != nil && l != nil {
			fmt.Fprintf(&b, "Trade-in model: %s\nIMEI model: %s (IMEI %s, TAC %s)\n",
				intake.DeviceModel{Make: t.Device.Make, Model: t.Device.Model}, l.Names(), l.IMEI, l.TAC)
		}
		c.headline = "Model does not match the IMEI"
		c.todo = "Do not receive or grade it. Check the model on the device itself (Settings › About), then set it aside " +
			"for a supervisor, who has the trade-in corrected and re-quoted for the model it really is, or returns the device."
	case intake.OutcomeNotAccepted:
		c.headline = "Not accepted yet"
		c.todo = "The customer has not accepted an offer for this trade-in yet: set the device aside for a supervisor."
	case intake.OutcomeUnknown:
		c.headline = "Unknown device"
		c.todo = "No trade-in holds this device. Search by customer, reference or tracking number, or set it aside in quarantine."
	default:
		c.headline = "Not a device identifier"
		c.todo = "Scan the IMEI barcode on the device or its label, not the box's product barcode."
	}
	c.facts = strings.TrimSuffix(b.String(), "\n")
	return c
}

// deviceLine is the device and whose it is, the card's subject line.
func deviceLine(t intake.TradeIn) string {
	line := strings.TrimSpace(fmt.Sprintf("%s %s %s", t.Device.Make, t.Device.Model, t.Device.Storage))
	if t.Device.Colour != "" {
		line += " · " + t.Device.Colour
	}
	if t.Device.Carrier != "" {
		line += " · " + t.Device.Carrier
	}
	if t.Customer.Name != "" {
		line += " — " + t.Customer.Name
	}
	return line
}

// tradeInFacts is the trade-in as the customer described it.
func tradeInFacts(t intake.TradeIn) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Reference: %s (status %s)\nDisclosed: %s · Offer: %s\n", t.Reference, t.Status, t.Disclosed, money(t.Offer))
	for _, a := range t.Answers {
		fmt.Fprintf(&b, "  %s — %s\n", a.Question, a.Answer)
	}
	return b.String()
}

// ShowGraded puts the outcome of a grading on the card, with the prompt
// ready for the next device.
func (s *ReceiveScreen) ShowGraded(t intake.TradeIn, g intake.Grading) {
	s.toDo.reload()
	s.match = nil
	s.receive.Hide()
	s.grade.Hide()
	s.manual.hide()
	d := g.Decision
	if !d.Reroute {
		s.paint(cardText{result: resultMatched, headline: "Received — graded " + g.Grade.Condition.String(), subject: deviceLine(t),
			todo: "Put it in stock. Scan the next device.",
			facts: fmt.Sprintf("%s: cosmetic %s, functional %d. Payout %s as offered.",
				t.Reference, g.Grade.Cosmetic, g.Grade.Functional, money(d.Offer))})
	} else {
		s.paint(cardText{result: resultRerouted, headline: "Rerouted to Returns — payout held for a supervisor", subject: deviceLine(t),
			todo: "Put the device on the Returns shelf. Scan the next device.",
			facts: fmt.Sprintf("%s: %s.\nGraded price %s against an offer of %s (%s).",
				t.Reference, d.Reason, money(d.GradedPrice), money(d.Offer), signedMoney(d.Delta()))})
	}
	s.refocus()
	if s.OnGraded != nil {
		s.OnGraded(t, g)
	}
}
