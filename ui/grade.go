package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Grader records a grading; intake.Bench is one.
type Grader interface {
	RecordGrading(ctx context.Context, op intake.Operator, tradeInID string, in intake.Inspection) (intake.Grading, error)
}

// GradeDeps are the services of the grade screen. Photos, Camera and
// Existing are optional.
type GradeDeps struct {
	Grader Grader
	Photos PhotoStore
	Camera PhotoSource
	// Existing shows the photos a device already has when it is graded
	// again (a supervisor asked for more); store.Store is one.
	Existing PhotoLister
}

// accessoryOptions lists what can come in the box with a device.
var accessoryOptions = []string{"charger", "cable", "box", "case", "SIM tool", "earphones"}

var resultLabels = map[intake.Result]string{intake.Pass: "Pass", intake.Fail: "Fail", intake.NotTested: "Not tested"}

// GradeScreen is the grading rubric on one screen, keyboard first: the
// zones and checks in two columns, each answered with a digit key (focus
// then moves to the next), the computed grade live in a header that keeps
// its height, what is left to answer shown as progress beside Confirm.
type GradeScreen struct {
	env  Env
	deps GradeDeps

	title       *widget.Label
	live        *card
	liveDetails *widget.Label
	progress    *widget.Label
	problems    message
	zones       map[intake.Zone]*choice
	checks      map[intake.Check]*choice
	order       []fyne.Focusable // where the keyboard goes next, question by question
	battery     *entry
	activation  *widget.Check
	mdm         *widget.Check
	sealed      *widget.Check
	accessories map[string]*widget.Check
	notes       *entry
	noPhoto     *entry
	photos      *photoPanel
	confirm     *widget.Button
	cancelBtn   *widget.Button
	allClear    *widget.Button
	allPass     *widget.Button
	scroll      *container.Scroll
	bar         *fyne.Container // progress, problems, Back and Confirm
	ask         *scanQuestion
	content     fyne.CanvasObject

	tradeIn *intake.TradeIn
	busy    bool
	reroute bool // the live grade reroutes the device

	// OnGraded is called on the UI goroutine once the grading is recorded.
	OnGraded func(intake.TradeIn, intake.Grading)
	// OnCancel is called when the operator leaves without grading; the
	// device stays received and can be graded later by scanning it again.
	OnCancel func()
	// OnLeaveFor is called when a scan came in while grading and the
	// operator chose to leave this device received and look the scan up.
	OnLeaveFor func(scan string)
	// OnAsking is called when the question about a scan shows or goes.
	OnAsking func(asking bool)
}

// NewGradeScreen builds the checklist; Start fills it for a device.
func NewGradeScreen(env Env, deps GradeDeps) *GradeScreen {
	s := &GradeScreen{env: env, deps: deps, problems: newMessage(),
		zones: map[intake.Zone]*choice{}, checks: map[intake.Check]*choice{}, accessories: map[string]*widget.Check{}}
	s.title = bold("Grade")
	s.title.Truncation = fyne.TextTruncateEllipsis
	s.live = newCard(colourReady, "Grade: incomplete", 24)
	// One line each, cut rather than wrapped: a header that grows while
	// grading moves the questions under the pointer.
	s.liveDetails = widget.NewLabel("")
	s.liveDetails.Truncation = fyne.TextTruncateEllipsis
	s.progress = widget.NewLabel("")
	s.progress.Wrapping = fyne.TextWrapWord
	changed := func(string) { s.update() }

	cosmetic := container.NewVBox()
	for _, z := range intake.Zones {
		c := newChoice(env, severityOptions(z), changed)
		s.zones[z] = c
		s.order = append(s.order, c)
		cosmetic.Add(question(titleCase(string(z)), c))
	}
	functional := container.NewVBox()
	for _, c := range intake.Checks {
		ch := newChoice(env, []string{resultLabels[intake.Pass], resultLabels[intake.Fail], resultLabels[intake.NotTested]}, changed)
		s.checks[c] = ch
		s.order = append(s.order, ch)
		functional.Add(question(titleCase(string(c)), ch))
	}
	s.battery = newEntry(env)
	s.battery.SetPlaceHolder("max capacity %, empty if unknown")
	s.battery.OnChanged = changed
	s.battery.OnSubmitted = func(string) { s.onward() }
	s.order = append(s.order, s.battery)
	for i, f := range s.order {
		if c, ok := f.(*choice); ok {
			c.onPicked = func() { s.focusOn(s.order[i+1]) }
		}
	}
	boolChanged := func(bool) { s.update() }
	s.activation = widget.NewCheck("Activation lock on", boolChanged)
	s.mdm = widget.NewCheck("MDM lock", boolChanged)
	s.sealed = widget.NewCheck("Factory sealed", boolChanged)
	accessories := container.NewGridWithColumns(3)
	for _, a := range accessoryOptions {
		ch := widget.NewCheck(a, func(bool) { s.env.touch() })
		s.accessories[a] = ch
		accessories.Add(ch)
	}
	s.notes = newEntry(env)
	s.notes.SetPlaceHolder("Notes for a supervisor (optional)")
	s.notes.OnChanged = func(string) { s.env.touch() }
	s.noPhoto = newEntry(env)
	s.noPhoto.SetPlaceHolder("No photo? Say why (e.g. camera broken)")
	s.noPhoto.OnChanged = changed
	s.noPhoto.OnSubmitted = func(string) { s.onward() }
	s.photos = newPhotoPanel(s)

	s.allClear = widget.NewButtonWithIcon("All flawless (Ctrl+F)", theme.VisibilityIcon(), s.AllZonesFlawless)
	s.allPass = widget.NewButtonWithIcon("All pass (Ctrl+P)", theme.ConfirmIcon(), s.AllChecksPass)
	s.confirm = bigButton("Confirm grading (Ctrl+Enter)", theme.ConfirmIcon(), widget.SuccessImportance, s.Confirm)
	s.cancelBtn = bigButton("Back to scanning", theme.NavigateBackIcon(), widget.MediumImportance, s.cancel)

	left := container.NewVBox(
		container.NewBorder(nil, nil, bold("Cosmetic: worst defect per zone"), s.allClear), cosmetic,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, widget.NewLabel("Battery health %"), nil, s.battery),
		container.NewHBox(s.activation, s.mdm, s.sealed),
		widget.NewSeparator(),
		s.photos.content,
		s.noPhoto,
	)
	right := container.NewVBox(
		container.NewBorder(nil, nil, bold("Functional checks"), s.allPass), functional,
		widget.NewSeparator(),
		bold("Accessories in the box"), accessories,
		s.notes,
	)
	body := container.NewBorder(nil, nil, nil, right, left)
	s.scroll = container.NewVScroll(body)
	top := container.NewVBox(s.title, s.live.content, s.liveDetails)
	s.bar = container.NewBorder(nil, nil, nil, container.NewHBox(tall(s.cancelBtn, touchHeight), tall(s.confirm, touchHeight)),
		container.NewVBox(s.progress, s.problems.Label))
	s.ask = newScanQuestion(s)
	bottom := container.NewStack(s.bar, s.ask.content)
	s.content = container.NewBorder(top, bottom, nil, nil, s.scroll)
	s.update()
	return s
}

// question is a checklist row: the question's name, then its answers.
func question(name string, c *choice) fyne.CanvasObject {
	l := widget.NewLabel(name)
	return container.NewBorder(nil, nil, container.New(&fixedWidth{width: 88}, l), nil, c)
}

// fixedWidth lines the answers of every question up in one column.
type fixedWidth struct{ width float32 }

func (l *fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
	}
}

func (l *fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.width, h)
}

func severityOptions(z intake.Zone) []string {
	var out []string
	for sev := intake.SeverityNone; sev <= intake.SeverityDisplayDamaged; sev++ {
		if sev == intake.SeverityDisplayDamaged && z != intake.ZoneScreen {
			break
		}
		out = append(out, sev.String())
	}
	return out
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *GradeScreen) actions() []action {
	out := actions(s.scroll, s.allClear, s.allPass)
	if s.ask.content.Visible() {
		return append(out, actions(nil, s.ask.leave, s.ask.finish)...)
	}
	return append(out, actions(nil, s.cancelBtn, s.confirm)...)
}

// Content is the screen's root object.
func (s *GradeScreen) Content() fyne.CanvasObject { return s.content }

// AllZonesFlawless marks every cosmetic zone free of defects, the usual
// start before marking what is not; the keyboard moves to the first
// question still open.
func (s *GradeScreen) AllZonesFlawless() {
	for _, z := range intake.Zones {
		s.zones[z].SetSelected(intake.SeverityNone.String())
	}
	s.focusNextOpen()
}

// AllChecksPass marks every functional check passed.
func (s *GradeScreen) AllChecksPass() {
	for _, c := range intake.Checks {
		s.checks[c].SetSelected(resultLabels[intake.Pass])
	}
	s.focusNextOpen()
}

// Focus puts the keyboard on the first question still open: the screen
// zone for a new device. A scan typed meanwhile is caught as a scan.
func (s *GradeScreen) Focus(c fyne.Canvas) {
	for _, f := range s.order {
		if ch, ok := f.(*choice); !ok || ch.Selected == "" {
			c.Focus(f)
			return
		}
	}
	c.Focus(s.battery)
}

func (s *GradeScreen) focusNextOpen() {
	if s.env.Window != nil && s.content.Visible() {
		s.Focus(s.env.Window.Canvas())
	}
}

func (s *GradeScreen) focusOn(f fyne.Focusable) {
	if s.env.Window != nil && s.content.Visible() {
		s.env.Window.Canvas().Focus(f)
	}
}

// onward is Enter in a text field: confirm when the grading is complete,
// otherwise on to what it still needs.
func (s *GradeScreen) onward() {
	switch {
	case !s.confirm.Disabled():
		s.Confirm()
	case s.reroute:
		s.focusOn(s.noPhoto) // complete, but worse than disclosed with no photo
	default:
		s.focusNextOpen()
	}
}

// Start clears the checklist for a device, scrolled to the top.
func (s *GradeScreen) Start(t intake.TradeIn) {
	s.tradeIn = &t
	s.title.SetText(fmt.Sprintf("Grade %s — %s %s %s · %s", t.Reference, t.Device.Make, t.Device.Model, t.Device.Storage, t.Customer.Name))
	for _, r := range s.zones {
		r.SetSelected("")
	}
	for _, r := range s.checks {
		r.SetSelected("")
	}
	s.battery.SetText("")
	s.activation.SetChecked(false)
	s.mdm.SetChecked(false)
	s.sealed.SetChecked(false)
	for _, c := range s.accessories {
		c.SetChecked(false)
	}
	s.notes.SetText("")
	s.noPhoto.SetText("")
	s.photos.reset(t)
	s.ask.hide()
	s.problems.clear()
	s.scroll.ScrollToTop()
	s.update()
}

// inspection reads the checklist. An unanswered zone or check is left out,
// so Validate names it.
func (s *GradeScreen) inspection() (intake.Inspection, error) {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{},
		ActivationLock: s.activation.Checked, MDMLock: s.mdm.Checked, Sealed: s.sealed.Checked,
		Notes: strings.TrimSpace(s.notes.Text), NoPhotoReason: strings.TrimSpace(s.noPhoto.Text)}
	for _, a := range accessoryOptions {
		if s.accessories[a].Checked {
			in.Accessories = append(in.Accessories, a)
		}
	}
	for z, r := range s.zones {
		if r.Selected == "" {
			continue
		}
		var sev intake.Severity
		if err := sev.UnmarshalText([]byte(r.Selected)); err != nil {
			return in, err
		}
		in.Cosmetic[z] = sev
	}
	for c, r := range s.checks {
		for res, label := range resultLabels {
			if r.Selected == label {
				in.Checks[c] = res
			}
		}
	}
	if b := strings.TrimSpace(strings.TrimSuffix(s.battery.Text, "%")); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil {
			return in, fmt.Errorf("battery health %q is not a whole number: type the maximum capacity in percent, or leave it empty if unknown", s.battery.Text)
		}
		in.BatteryHealth = n
	}
	return in, nil
}

// open lists, in screen order, the questions still to answer.
func (s *GradeScreen) open(in intake.Inspection) (zones, checks []string) {
	for _, z := range intake.Zones {
		if _, ok := in.Cosmetic[z]; !ok {
			zones = append(zones, string(z))
		}
	}
	for _, c := range intake.Checks {
		if _, ok := in.Checks[c]; !ok {
			checks = append(checks, string(c))
		}
	}
	return zones, checks
}

// update recomputes the grade and what it means for the payout.
func (s *GradeScreen) update() {
	s.env.touch()
	s.reroute = false
	in, err := s.inspection()
	if err != nil {
		s.confirm.Disable()
		s.problems.error(err.Error())
		return
	}
	s.problems.clear()
	zones, checks := s.open(in)
	total := len(intake.Zones) + len(intake.Checks)
	answered := total - len(zones) - len(checks)
	g, gerr := intake.ComputeGrade(in)
	if gerr != nil {
		s.confirm.Disable()
		s.live.paint(colourReady, "Grade: incomplete")
		s.liveDetails.SetText(s.disclosedLine())
		// Progress, not errors: nothing is wrong with a device half graded.
		// What is still wrong once every question has an answer is.
		var left []string
		if len(zones) > 0 {
			left = append(left, "zones: "+strings.Join(zones, ", "))
		}
		if len(checks) > 0 {
			left = append(left, "checks: "+strings.Join(checks, ", "))
		}
		if len(left) == 0 {
			s.progress.SetText(fmt.Sprintf("%d of %d answered", answered, total))
			s.problems.error(strings.ReplaceAll(unwrapAll(gerr), "\n", "; "))
			return
		}
		s.progress.SetText(fmt.Sprintf("%d of %d answered · to do: %s", answered, total, strings.Join(left, " · ")))
		return
	}
	if s.tradeIn == nil {
		s.confirm.Disable()
		return
	}
	d := intake.DecideOnArrival(*s.tradeIn, g)
	s.reroute = d.Reroute
	colour := colourGo
	if d.Reroute {
		colour = colourLook
	}
	s.live.paint(colour, fmt.Sprintf("Grade: %s (cosmetic %s, functional %d)", g.Condition, g.Cosmetic, g.Functional))
	var b strings.Builder
	b.WriteString(s.disclosedLine())
	fmt.Fprintf(&b, " · graded %s fetches %s (%s)", g.Condition, money(d.GradedPrice), signedMoney(d.Delta()))
	if len(g.Reasons) > 0 {
		b.WriteString(" · why: " + strings.Join(g.Reasons, "; "))
	}
	s.liveDetails.SetText(b.String())
	switch {
	case d.Reroute && s.photos.count() == 0 && strings.TrimSpace(s.noPhoto.Text) == "":
		s.confirm.Disable()
		s.progress.SetText("Worse than disclosed: a supervisor decides from photos. Take a photo of the damage, or say why there is none.")
	case d.Reroute:
		s.confirm.Enable()
		s.progress.SetText("Worse than disclosed: confirming reroutes it to Returns and holds the payout for a supervisor.")
	default:
		s.confirm.Enable()
		s.progress.SetText(fmt.Sprintf("All %d answered: Ctrl+Enter confirms.", total))
	}
}

// unwrapAll is the text of the first of joined errors, without the
// "cannot be graded" preamble.
func unwrapAll(err error) string {
	if u := errors.Unwrap(err); u != nil {
		return u.Error()
	}
	return err.Error()
}

func (s *GradeScreen) disclosedLine() string {
	if s.tradeIn == nil {
		return ""
	}
	return fmt.Sprintf("Customer disclosed %s · offer %s", s.tradeIn.Disclosed, money(s.tradeIn.Offer))
}

// ConfirmIfReady confirms as the button would: not while the grading is
// incomplete or being recorded. What was typed last counts.
func (s *GradeScreen) ConfirmIfReady() {
	s.settle()
	if !s.confirm.Disabled() {
		s.Confirm()
	}
}

func (s *GradeScreen) settle() {
	for _, e := range []*entry{s.battery, s.notes, s.noPhoto} {
		e.settle()
	}
}

// Confirm records the grading.
func (s *GradeScreen) Confirm() {
	s.env.touch()
	if s.busy || s.tradeIn == nil {
		return
	}
	s.settle()
	in, err := s.inspection()
	if err != nil {
		s.problems.error(err.Error())
		return
	}
	t, op := *s.tradeIn, s.env.operator()
	s.busy = true
	s.confirm.Disable()
	background(s.env, func(ctx context.Context) (intake.Grading, error) {
		return s.deps.Grader.RecordGrading(ctx, op, t.ID, in)
	}, func(g intake.Grading, err error) {
		s.busy = false
		s.confirm.Enable()
		if err != nil {
			s.env.trouble()
			s.problems.error(explain("Recording the grading of "+t.Reference, err))
			return
		}
		if g.Decision.Reroute {
			s.env.trouble()
		} else {
			s.env.success()
		}
		s.tradeIn = nil
		if s.OnGraded != nil {
			s.OnGraded(t, g)
		}
	})
}

func (s *GradeScreen) cancel() {
	s.env.touch()
	s.tradeIn = nil
	if s.OnCancel != nil {
		s.OnCancel()
	}
}

// AskAboutScan asks, beside Confirm, whether to finish this grading before
// the scan that came in is looked up: a scan never types into a field or
// throws away a half-graded device.
func (s *GradeScreen) AskAboutScan(scan string) {
	s.env.trouble()
	s.ask.show(scan)
}

// Asking is the question about a scan on screen, "" when none.
func (s *GradeScreen) Asking() string {
	if !s.ask.content.Visible() {
		return ""
	}
	return s.ask.text.Text
}

// Problems is the validation and error text, for tests and accessibility.
func (s *GradeScreen) Problems() string { return s.problems.Text }

// Progress is what is left to answer, or what confirming will do.
func (s *GradeScreen) Progress() string { return s.progress.Text }

// Live is the live grade headline.
func (s *GradeScreen) Live() string { return s.live.headline.Text }

// scanQuestion is the "finish grading first?" question that takes the
// place of Confirm while a scan waits.
type scanQuestion struct {
	s       *GradeScreen
	text    *widget.Label
	finish  *widget.Button
	leave   *widget.Button
	scan    string
	content *fyne.Container
}

func newScanQuestion(s *GradeScreen) *scanQuestion {
	q := &scanQuestion{s: s, text: widget.NewLabel("")}
	q.text.Wrapping = fyne.TextWrapWord
	q.text.Importance = widget.WarningImportance
	q.text.TextStyle.Bold = true
	q.finish = bigButton("Finish grading first", theme.DocumentCreateIcon(), widget.HighImportance, q.keepGrading)
	q.leave = bigButton("Leave it received, look up the scan", theme.SearchIcon(), widget.MediumImportance, q.leaveFor)
	q.content = container.NewBorder(nil, nil, nil, container.NewHBox(tall(q.leave, touchHeight), tall(q.finish, touchHeight)), q.text)
	q.content.Hide()
	return q
}

func (q *scanQuestion) show(scan string) {
	q.scan = scan
	ref := ""
	if t := q.s.tradeIn; t != nil {
		ref = t.Reference
	}
	q.text.SetText(fmt.Sprintf("Scanned %s while %s is being graded. Finish grading %s first?", strings.TrimSpace(scan), ref, ref))
	q.s.bar.Hide()
	q.content.Show()
	if q.s.OnAsking != nil {
		q.s.OnAsking(true)
	}
	// The keyboard goes to the safe answer: Space keeps grading.
	q.s.focusOn(q.finish)
}

func (q *scanQuestion) hide() {
	if !q.content.Visible() {
		return
	}
	q.content.Hide()
	q.s.bar.Show()
	if q.s.OnAsking != nil {
		q.s.OnAsking(false)
	}
}

func (q *scanQuestion) keepGrading() {
	q.s.env.touch()
	q.hide()
	q.s.focusNextOpen()
}

func (q *scanQuestion) leaveFor() {
	q.s.env.touch()
	scan := q.scan
	q.hide()
	q.s.tradeIn = nil
	if q.s.OnLeaveFor != nil {
		q.s.OnLeaveFor(scan)
	}
}
