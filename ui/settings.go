package ui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Preference keys the settings screen writes; the app reads them at start
// and when OnChanged says one changed.
const (
	PrefScanner = "scanner.port" // a port name, or ScannerAuto
	PrefCamera  = "camera.device"
	PrefHubURL  = "hub.url"
	PrefKiosk   = "kiosk"
	PrefSound   = "sound.on" // false mutes the chime and the buzz
)

// ScannerAuto is the scanner setting that lets the bench find scanners by
// their USB IDs.
const ScannerAuto = "auto-detect"

// PortLister lists the serial ports or cameras the bench can see.
type PortLister interface {
	Ports(ctx context.Context) ([]string, error)
}

// Enroller enrolls the bench with a hub using a one-time code, for op: it
// refuses anyone whose role may not (intake.ActionEnroll), so that a
// hidden button is not the only guard.
type Enroller interface {
	Enroll(ctx context.Context, op intake.Operator, hubURL, code string) error
}

// SettingsDeps are the services of the settings screen. Prefs is
// required; the rest is optional.
type SettingsDeps struct {
	Prefs    fyne.Preferences
	Scanners PortLister
	Cameras  PortLister
	Enroller Enroller
	// Printers makes the Printers card: label and receipt printers.
	Printers PrinterSetup
	// SetFullScreen applies the kiosk toggle to the window.
	SetFullScreen func(bool)
}

// SettingsScreen sets up the bench: scanners, camera, hub, kiosk mode.
// The hub and kiosk mode are a supervisor's: for anyone else they do not
// show, and are refused if reached anyway.
type SettingsScreen struct {
	env      Env
	deps     SettingsDeps
	scanner  *widget.Select
	camera   *widget.Select
	hubURL   *entry
	code     *entry
	enroll   *widget.Button
	hubForm  *fyne.Container
	hubNote  *widget.Label
	kiosk    *widget.Check
	sound    *widget.Check
	onSound  func() // the shell's: the status bar says whether sound is on
	display  *widget.Card
	printers *printerCard
	msg      message
	scroll   *container.Scroll
	content  fyne.CanvasObject

	// OnChanged is called with the key of each preference changed.
	OnChanged func(key string)
}

// NewSettingsScreen builds the screen from the stored preferences and
// starts looking for scanners and cameras.
func NewSettingsScreen(env Env, deps SettingsDeps) *SettingsScreen {
	s := &SettingsScreen{env: env, deps: deps, msg: newMessage()}
	p := deps.Prefs
	s.scanner = widget.NewSelect([]string{ScannerAuto}, func(v string) { s.save(PrefScanner, v) })
	s.scanner.SetSelected(p.StringWithFallback(PrefScanner, ScannerAuto))
	s.camera = widget.NewSelect(nil, func(v string) { s.save(PrefCamera, v) })
	s.camera.PlaceHolder = "No camera"
	if c := p.String(PrefCamera); c != "" {
		s.camera.SetOptions([]string{c})
		s.camera.SetSelected(c)
	}
	s.hubURL = newEntry(env)
	s.hubURL.SetPlaceHolder("https://hub.example.com")
	s.hubURL.SetText(p.String(PrefHubURL))
	s.code = newEntry(env)
	s.code.SetPlaceHolder("One-time enrollment code from the hub admin")
	s.code.OnSubmitted = func(string) { s.Enroll() }
	s.enroll = widget.NewButtonWithIcon("Enroll this bench", theme.LoginIcon(), s.Enroll)
	if deps.Enroller == nil {
		s.enroll.Disable()
	}
	s.kiosk = widget.NewCheck("Kiosk mode (full screen)", s.setKiosk)
	s.kiosk.SetChecked(p.Bool(PrefKiosk))
	rescan := widget.NewButtonWithIcon("Look again", theme.ViewRefreshIcon(), s.Detect)
	s.hubForm = container.NewVBox(tall(s.hubURL, touchHeight), tall(s.code, touchHeight), tall(s.enroll, touchHeight))
	s.hubNote = widget.NewLabel("Only a supervisor enrolls this bench with a hub or changes kiosk mode: ask one to log in here.")
	s.hubNote.Wrapping = fyne.TextWrapWord
	s.display = widget.NewCard("Display", "", s.kiosk)
	s.sound = widget.NewCheck("Sounds on: a chime when a scan matches, a buzz when something needs a look", s.setSound)
	s.sound.SetChecked(p.BoolWithFallback(PrefSound, true))
	testSound := widget.NewButtonWithIcon("Test sounds", theme.VolumeUpIcon(), s.TestSounds)
	box := container.NewVBox(
		bold("Settings"),
		widget.NewCard("Scanners", "Serial scanners; keyboard-wedge scanners need no setting",
			container.NewBorder(nil, nil, nil, rescan, tall(s.scanner, touchHeight))),
		widget.NewCard("Camera", "For device photos", tall(s.camera, touchHeight)),
		widget.NewCard("Hub", "Where this bench syncs; enroll once with a one-time code", container.NewVBox(s.hubForm, s.hubNote)),
		s.display,
		widget.NewCard("Sound", "", container.NewVBox(s.sound, container.NewHBox(testSound))),
	)
	if deps.Printers != nil {
		s.printers = newPrinterCard(env, deps.Printers)
		box.Add(s.printers.content)
	}
	s.scroll = container.NewVScroll(box)
	// What Enroll answered stays in view under the form, not past the
	// printers at the foot of the scroll.
	s.content = container.NewBorder(nil, s.msg.Label, nil, nil, s.scroll)
	s.ShowFor(env.operator())
	s.Detect()
	return s
}

// setSound turns the bench's sounds on or off: anyone's choice, for a
// quiet counter or a loud warehouse.
func (s *SettingsScreen) setSound(on bool) {
	s.env.touch()
	s.deps.Prefs.SetBool(PrefSound, on)
	if s.onSound != nil {
		s.onSound()
	}
	s.changed(PrefSound)
}

// TestSounds plays the chime, then the buzz, so that whoever set up the
// bench hears both; with sounds off it says so instead.
func (s *SettingsScreen) TestSounds() {
	s.env.touch()
	if !s.deps.Prefs.BoolWithFallback(PrefSound, true) {
		s.msg.error("Sounds are off: tick \"Sounds on\" first.")
		return
	}
	s.msg.note("Playing the chime (a scan matched), then the buzz (look at the screen). Heard neither? Check the volume and the speaker.")
	s.env.success()
	clock := s.env.Clock
	if clock == nil {
		clock = SystemClock()
	}
	clock.AfterFunc(soundGap, func() { onUI(s.env, s.env.trouble) })
}

// soundGap parts the two test sounds.
const soundGap = 700 * time.Millisecond

// ShowFor shows what op's role may change: the hub form and kiosk mode
// only to a supervisor. The shell calls it at each login.
func (s *SettingsScreen) ShowFor(op intake.Operator) {
	s.msg.clear() // the last person's enrollment message is theirs
	show := func(o fyne.CanvasObject, on bool) {
		if on {
			o.Show()
		} else {
			o.Hide()
		}
	}
	show(s.hubForm, op.Role.May(intake.ActionEnroll))
	show(s.hubNote, !op.Role.May(intake.ActionEnroll) || !op.Role.May(intake.ActionKiosk))
	show(s.display, op.Role.May(intake.ActionKiosk))
	s.scroll.ScrollToTop()
}

// setKiosk turns kiosk mode on or off for a supervisor, and puts the box
// back for anyone else.
func (s *SettingsScreen) setKiosk(on bool) {
	s.env.touch()
	p := s.deps.Prefs
	if on == p.Bool(PrefKiosk) {
		return // the box shows the setting again, or nothing changed
	}
	if err := intake.Authorize(s.env.operator(), intake.ActionKiosk); err != nil {
		s.env.trouble()
		s.kiosk.SetChecked(p.Bool(PrefKiosk))
		s.msg.error(explain("Changing kiosk mode", err))
		return
	}
	p.SetBool(PrefKiosk, on)
	if s.deps.SetFullScreen != nil {
		s.deps.SetFullScreen(on)
	}
	s.changed(PrefKiosk)
}

func (s *SettingsScreen) actions() []action {
	if !s.hubForm.Visible() {
		return nil // Enroll is a supervisor's: not there for anyone else
	}
	return actions(s.scroll, s.enroll)
}

// Content is the screen's root object.
func (s *SettingsScreen) Content() fyne.CanvasObject { return s.content }

// Message is the feedback text, for tests and accessibility.
func (s *SettingsScreen) Message() string { return s.msg.Text }

func (s *SettingsScreen) save(key, value string) {
	s.env.touch()
	if value == "" || value == s.deps.Prefs.String(key) {
		return
	}
	s.deps.Prefs.SetString(key, value)
	s.changed(key)
}

func (s *SettingsScreen) changed(key string) {
	if s.OnChanged != nil {
		s.OnChanged(key)
	}
}

// Detect lists the scanners' ports and the cameras again.
func (s *SettingsScreen) Detect() {
	list := func(l PortLister, sel *widget.Select, first []string, what string) {
		if l == nil {
			return
		}
		background(s.env, l.Ports, func(ports []string, err error) {
			if err != nil {
				s.msg.error(fmt.Sprintf("Could not list the %s: %v. Check the cable and press Look again.", what, err))
				return
			}
			current := sel.Selected
			sel.SetOptions(append(first, ports...))
			if current != "" {
				sel.SetSelected(current)
			}
		})
	}
	list(s.deps.Scanners, s.scanner, []string{ScannerAuto}, "serial ports")
	list(s.deps.Cameras, s.camera, nil, "cameras")
}

// Enroll enrolls the bench with the hub.
func (s *SettingsScreen) Enroll() {
	s.env.touch()
	hub, code := strings.TrimSpace(s.hubURL.Text), strings.TrimSpace(s.code.Text)
	u, err := url.Parse(hub)
	op := s.env.operator()
	switch {
	case intake.Authorize(op, intake.ActionEnroll) != nil:
		s.env.trouble()
		s.msg.error(explain("Enrolling the bench", intake.Authorize(op, intake.ActionEnroll)))
		return
	case s.deps.Enroller == nil:
		s.msg.error("Enrollment is not available in this build.")
		return
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		s.msg.error(fmt.Sprintf("%q is not a hub address: type it in full, e.g. https://hub.example.com", hub))
		return
	case code == "":
		s.msg.error("Type the one-time enrollment code the hub administrator gave you.")
		return
	}
	s.enroll.Disable()
	s.msg.note("Enrolling…")
	background(s.env, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.deps.Enroller.Enroll(ctx, op, hub, code)
	},
		func(_ struct{}, err error) {
			s.enroll.Enable()
			s.code.SetText("") // a one-time code is spent either way, and never kept
			if err != nil {
				s.env.trouble()
				s.msg.error(fmt.Sprintf("Enrollment with %s failed: %v. Check the address, ask for a new code, and try again.", hub, err))
				return
			}
			s.deps.Prefs.SetString(PrefHubURL, hub)
			s.changed(PrefHubURL)
			s.env.success()
			s.msg.success("This bench is enrolled with " + hub + ". It syncs in the background from now on.")
		})
}
