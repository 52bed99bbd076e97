package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Grader records a grading; intake.Bench is one.
type Grader interface {
	RecordGrading(ctx context.Context, op intake.Operator, tradeInID string, in intake.Inspection) (intake.Grading, error)
}

// GradeDeps are the services of the grade screen. Photos and Camera are
// optional.
type GradeDeps struct {
	Grader Grader
	Photos PhotoStore
	Camera PhotoSource
}

// accessoryOptions lists what can come in the box with a device.
var accessoryOptions = []string{"charger", "cable", "box", "case", "SIM tool", "earphones"}

var resultLabels = map[intake.Result]string{intake.Pass: "Pass", intake.Fail: "Fail", intake.NotTested: "Not tested"}

// GradeScreen is the guided checklist of the grading rubric, with the
// computed grade shown live beside what the customer disclosed.
type GradeScreen struct {
	env  Env
	deps GradeDeps

	title       *widget.Label
	device      *widget.Label
	live        *card
	liveDetails *widget.Label
	problems    message
	zones       map[intake.Zone]*widget.RadioGroup
	checks      map[intake.Check]*widget.RadioGroup
	battery     *widget.Entry
	activation  *widget.Check
	mdm         *widget.Check
	sealed      *widget.Check
	accessories *widget.CheckGroup
	notes       *widget.Entry
	photos      *photoPanel
	confirm     *widget.Button
	content     fyne.CanvasObject

	tradeIn *intake.TradeIn
	busy    bool

	// OnGraded is called on the UI goroutine once the grading is recorded.
	OnGraded func(intake.TradeIn, intake.Grading)
	// OnCancel is called when the operator leaves without grading; the
	// device stays received and can be graded later by scanning it again.
	OnCancel func()
}

// NewGradeScreen builds the checklist; Start fills it for a device.
func NewGradeScreen(env Env, deps GradeDeps) *GradeScreen {
	s := &GradeScreen{env: env, deps: deps, problems: newMessage(),
		zones: map[intake.Zone]*widget.RadioGroup{}, checks: map[intake.Check]*widget.RadioGroup{}}
	s.title = bold("Grade")
	s.title.SizeName = theme.SizeNameSubHeadingText
	s.device = widget.NewLabel("")
	s.device.Wrapping = fyne.TextWrapWord
	s.live = newCard(colourReady, "Grade: incomplete", 28)
	s.liveDetails = widget.NewLabel("")
	s.liveDetails.Wrapping = fyne.TextWrapWord
	changed := func(string) { s.update() }

	cosmetic := container.New(layout.NewFormLayout())
	for _, z := range intake.Zones {
		r := widget.NewRadioGroup(severityOptions(z), changed)
		r.Horizontal = true
		s.zones[z] = r
		cosmetic.Add(widget.NewLabel(titleCase(string(z))))
		cosmetic.Add(r)
	}
	functional := container.New(layout.NewFormLayout())
	for _, c := range intake.Checks {
		r := widget.NewRadioGroup([]string{resultLabels[intake.Pass], resultLabels[intake.Fail], resultLabels[intake.NotTested]}, changed)
		r.Horizontal = true
		s.checks[c] = r
		functional.Add(widget.NewLabel(titleCase(string(c))))
		functional.Add(r)
	}
	s.battery = widget.NewEntry()
	s.battery.SetPlaceHolder("max capacity %, empty if unknown")
	s.battery.OnChanged = changed
	boolChanged := func(bool) { s.update() }
	s.activation = widget.NewCheck("Activation lock on (Find My / FRP)", boolChanged)
	s.mdm = widget.NewCheck("MDM lock (enrolled in device management)", boolChanged)
	s.sealed = widget.NewCheck("Factory sealed, never opened", boolChanged)
	s.accessories = widget.NewCheckGroup(accessoryOptions, func([]string) { s.env.touch() })
	s.accessories.Horizontal = true
	s.notes = widget.NewMultiLineEntry()
	s.notes.SetPlaceHolder("Notes for the record (anything a supervisor should know)")
	s.notes.OnChanged = func(string) { s.env.touch() }
	s.photos = newPhotoPanel(s)

	allClear := widget.NewButtonWithIcon("All zones flawless", theme.VisibilityIcon(), s.AllZonesFlawless)
	allPass := widget.NewButtonWithIcon("All checks pass", theme.ConfirmIcon(), s.AllChecksPass)
	s.confirm = bigButton("Confirm grading", theme.ConfirmIcon(), widget.SuccessImportance, s.Confirm)
	cancel := bigButton("Back to scanning", theme.NavigateBackIcon(), widget.MediumImportance, s.cancel)

	// The trade-in's details scroll with the checklist: the grade and what
	// was disclosed stay in view above it, the rest is read once.
	checklist := container.NewVBox(
		s.device,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, bold("Cosmetic: worst defect per zone"), allClear), cosmetic,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, bold("Functional checks"), allPass), functional,
		widget.NewSeparator(),
		bold("Battery and locks"),
		container.NewBorder(nil, nil, widget.NewLabel("Battery health %"), nil, s.battery),
		s.activation, s.mdm, s.sealed,
		widget.NewSeparator(),
		bold("Accessories in the box"), s.accessories,
		bold("Notes"), s.notes,
		widget.NewSeparator(),
		s.photos.content,
	)
	top := container.NewVBox(s.title, s.live.content, s.liveDetails, s.problems.Label)
	bottom := container.NewHBox(tall(cancel, touchHeight), tall(s.confirm, touchHeight))
	s.content = container.NewBorder(top, bottom, nil, nil, container.NewVScroll(checklist))
	s.update()
	return s
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

// Content is the screen's root object.
func (s *GradeScreen) Content() fyne.CanvasObject { return s.content }

// AllZonesFlawless marks every cosmetic zone free of defects, the usual
// start before marking what is not.
func (s *GradeScreen) AllZonesFlawless() {
	for _, z := range intake.Zones {
		s.zones[z].SetSelected(intake.SeverityNone.String())
	}
}

// AllChecksPass marks every functional check passed.
func (s *GradeScreen) AllChecksPass() {
	for _, c := range intake.Checks {
		s.checks[c].SetSelected(resultLabels[intake.Pass])
	}
}

// Focus puts the keyboard in the battery field: with the shortcuts for the
// zones, the checks and Confirm, a clean device is graded from the keyboard.
func (s *GradeScreen) Focus(c fyne.Canvas) { c.Focus(s.battery) }

// Start clears the checklist for a freshly received device.
func (s *GradeScreen) Start(t intake.TradeIn) {
	s.tradeIn = &t
	s.title.SetText("Grade " + t.Reference)
	s.device.SetText(tradeInSummary(t))
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
	s.accessories.SetSelected(nil)
	s.notes.SetText("")
	s.photos.reset()
	s.update()
}

// inspection reads the checklist. An unanswered zone or check is left out,
// so Validate names it.
func (s *GradeScreen) inspection() (intake.Inspection, error) {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{},
		ActivationLock: s.activation.Checked, MDMLock: s.mdm.Checked, Sealed: s.sealed.Checked,
		Accessories: s.accessories.Selected, Notes: strings.TrimSpace(s.notes.Text)}
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

// update recomputes the grade and what it means for the payout.
func (s *GradeScreen) update() {
	s.env.touch()
	in, err := s.inspection()
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		s.confirm.Disable()
		s.live.paint(colourReady, "Grade: incomplete")
		s.liveDetails.SetText(s.disclosedLine())
		s.problems.error("To finish: " + strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	g, err := intake.ComputeGrade(in)
	if err != nil {
		s.confirm.Disable()
		s.problems.error(err.Error())
		return
	}
	s.problems.clear()
	if s.tradeIn == nil {
		return
	}
	s.confirm.Enable()
	d := intake.DecideOnArrival(*s.tradeIn, g)
	colour := colourGo
	if d.Reroute {
		colour = colourLook
	}
	s.live.paint(colour, fmt.Sprintf("Grade: %s (cosmetic %s, functional %d)", g.Condition, g.Cosmetic, g.Functional))
	var b strings.Builder
	b.WriteString(s.disclosedLine())
	fmt.Fprintf(&b, "\nGraded %s: fetches %s (%s against the offer)", g.Condition, money(d.GradedPrice), signedMoney(d.Delta()))
	if d.Reroute {
		b.WriteString("\nWorse than disclosed: confirming reroutes it to Returns and holds the payout for a supervisor.")
	}
	if len(g.Reasons) > 0 {
		b.WriteString("\nWhy: " + strings.Join(g.Reasons, "; "))
	}
	s.liveDetails.SetText(b.String())
}

func (s *GradeScreen) disclosedLine() string {
	if s.tradeIn == nil {
		return ""
	}
	return fmt.Sprintf("Customer disclosed %s · offer %s", s.tradeIn.Disclosed, money(s.tradeIn.Offer))
}

// Confirm records the grading.
func (s *GradeScreen) Confirm() {
	s.env.touch()
	if s.busy || s.tradeIn == nil {
		return
	}
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

// Problems is the validation and error text, for tests and accessibility.
func (s *GradeScreen) Problems() string { return s.problems.Text }

// Live is the live grade headline.
func (s *GradeScreen) Live() string { return s.live.headline.Text }
