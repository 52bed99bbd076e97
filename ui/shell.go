package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"

	"github.com/intakebench/intakebench/intake"
)

// Deps is everything the app shell needs. Login, Operators, Receive.Lookup,
// Receive.Receiver and Grade.Grader are required; a tab whose services are
// missing is left out.
type Deps struct {
	Bench     string
	Login     Authenticator
	Operators OperatorLister
	Receive   ReceiveDeps
	Grade     GradeDeps
	// Reviews and Decider make the supervisor's Review tab.
	Reviews ReviewSource
	Decider Decider
	// WalkIn makes the Walk-in tab when its Catalog and Accept are set.
	WalkIn   WalkInDeps
	Stats    StatsSource
	Settings SettingsDeps // Prefs defaults to the app's preferences

	Window fyne.Window // for dialogs, focus, shortcuts and full screen
	// Keys is the wedge scanner's filter on every text field, so a scan
	// typed while one has focus still reaches HandleScan.
	Keys      KeyFilter
	Clock     Clock         // defaults to SystemClock
	Sound     Sounder       // defaults to Silent
	IdleAfter time.Duration // defaults to intake.IdleLockAfter
	// Recorded is called after each success (a receipt, a grading, a
	// decision...): the app syncs then.
	Recorded func()
	// OnScreen is called with ScreenLogin, ScreenGrade or a tab's title
	// each time the screen changes.
	OnScreen func(name string)
	// Quit ends the app once a supervisor asks to (the Quit menu item,
	// the window's close button); defaults to the Fyne app's Quit.
	Quit func()

	post func(func()) // tests only, see Env
}

// Screen names OnScreen reports besides the tab titles.
const (
	ScreenLogin = "Login"
	// ScreenGrade is the grade checklist inside the Receive tab, reported
	// once it holds the keyboard.
	ScreenGrade = "Grade"
	// ScreenGradeAsking is the grade checklist asking whether to finish
	// grading before a scan that came in is looked up.
	ScreenGradeAsking = "Grade: scan waiting"
)

// Tab titles, also the names tests and shortcuts use.
const (
	TabReceive  = "Receive"
	TabWalkIn   = "Walk-in"
	TabReview   = "Review queue"
	TabStats    = "Shift stats"
	TabSettings = "Settings"
)

// Shell is the whole bench app: the login screen, then the tabs the
// operator's role allows, above a status bar that is always visible.
type Shell struct {
	deps     Deps
	env      Env
	idle     *idleLock
	status   *StatusBar
	login    *LoginScreen
	flow     *benchFlow
	walkIn   *WalkInScreen
	review   *ReviewScreen
	stats    *StatsScreen
	settings *SettingsScreen
	tabs     *container.AppTabs
	items    map[string]*container.TabItem
	main     fyne.CanvasObject
	content  fyne.CanvasObject
	op       *intake.Operator
	quit     *fyne.MenuItem
	// workOf is whose work the screens hold (the last login): anyone
	// else's login after a lock starts on empty screens.
	workOf intake.Operator
}

// NewShell builds every screen once; their state survives an idle lock.
func NewShell(d Deps) (*Shell, error) {
	var missing []error
	for _, req := range []struct {
		name string
		ok   bool
	}{
		{"Login", d.Login != nil}, {"Operators", d.Operators != nil}, {"Receive.Lookup", d.Receive.Lookup != nil},
		{"Receive.Receiver", d.Receive.Receiver != nil}, {"Grade.Grader", d.Grade.Grader != nil},
	} {
		if !req.ok {
			missing = append(missing, fmt.Errorf("ui.Deps.%s is required", req.name))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	if d.Clock == nil {
		d.Clock = SystemClock()
	}
	if d.Sound == nil {
		d.Sound = Silent{}
	}
	if d.Settings.Prefs == nil {
		d.Settings.Prefs = fyne.CurrentApp().Preferences()
	}
	sound := switchedSound{next: d.Sound, prefs: d.Settings.Prefs}
	d.Sound = sound
	if d.IdleAfter <= 0 {
		d.IdleAfter = intake.IdleLockAfter
	}
	if d.Settings.SetFullScreen == nil && d.Window != nil {
		d.Settings.SetFullScreen = d.Window.SetFullScreen
	}
	if d.Quit == nil {
		d.Quit = fyne.CurrentApp().Quit
	}
	s := &Shell{deps: d, status: NewStatusBar(), items: map[string]*container.TabItem{}}
	s.idle = newIdleLock(d.Clock, d.IdleAfter, func() {
		s.Lock(fmt.Sprintf("Locked after %s without input.", d.IdleAfter.Round(time.Second)))
	})
	s.env = Env{Session: s, Clock: d.Clock, Sound: d.Sound, Window: d.Window, Bench: d.Bench, Activity: s.idle.touch, Recorded: d.Recorded, Keys: d.Keys, post: d.post}

	s.env.OperatorName = func(id string) string {
		if name := s.login.nameOf(id); name != "" {
			return name
		}
		return id
	}
	s.login = NewLoginScreen(s.env, d.Login, d.Operators)
	s.login.OnLogin = s.loggedIn
	s.flow = newBenchFlow(s.env, NewReceiveScreen(s.env, d.Receive), NewGradeScreen(s.env, d.Grade), s.shown)
	s.items[TabReceive] = container.NewTabItemWithIcon(TabReceive, theme.SearchIcon(), s.flow.content)
	if d.WalkIn.Catalog != nil && d.WalkIn.Accept != nil {
		s.walkIn = NewWalkInScreen(s.env, d.WalkIn)
		s.items[TabWalkIn] = container.NewTabItemWithIcon(TabWalkIn, theme.AccountIcon(), s.walkIn.Content())
	}
	if d.Reviews != nil && d.Decider != nil {
		s.review = NewReviewScreen(s.env, d.Reviews, d.Decider)
		s.items[TabReview] = container.NewTabItemWithIcon(TabReview, theme.WarningIcon(), s.review.Content())
	}
	if d.Stats != nil {
		s.stats = NewStatsScreen(s.env, d.Stats)
		s.items[TabStats] = container.NewTabItemWithIcon(TabStats, theme.GridIcon(), s.stats.Content())
	}
	s.settings = NewSettingsScreen(s.env, d.Settings)
	s.settings.onSound = func() { s.status.SetSound(sound.state()) }
	s.settings.onSound()
	s.items[TabSettings] = container.NewTabItemWithIcon(TabSettings, theme.SettingsIcon(), s.settings.Content())

	s.tabs = container.NewAppTabs()
	s.tabs.OnSelected = s.tabShown
	s.main = s.tabs
	s.content = container.NewBorder(nil, s.status.Content(), nil, nil, container.NewStack(s.main, s.login.Content()))
	s.status.Update(Status{Bench: d.Bench})
	s.showLogin()
	if d.Window != nil {
		s.wireWindow(d.Window)
		s.updateQuit()
	}
	return s, nil
}

// Content is the app's root object: set it as the window's content.
func (s *Shell) Content() fyne.CanvasObject { return s.content }

// StatusBar is the bar the app pushes status into (on the UI goroutine:
// fyne.Do(func() { shell.StatusBar().Update(st) })).
func (s *Shell) StatusBar() *StatusBar { return s.status }

// Receive is the receive screen, e.g. for the app's --events output.
func (s *Shell) Receive() *ReceiveScreen { return s.flow.receive }

// WalkIn is the walk-in screen; nil without its services.
func (s *Shell) WalkIn() *WalkInScreen { return s.walkIn }

// Review is the supervisor's review screen; nil without its services.
func (s *Shell) Review() *ReviewScreen { return s.review }

// Settings is the settings screen, so the app can react to OnChanged.
func (s *Shell) Settings() *SettingsScreen { return s.settings }

// Operator is who is logged in, zero when the bench is locked. It makes
// the shell the screens' Session.
func (s *Shell) Operator() intake.Operator {
	if s.op == nil {
		return intake.Operator{}
	}
	return *s.op
}

// Tabs lists the titles of the tabs the logged-in operator sees.
func (s *Shell) Tabs() []string {
	var out []string
	for _, it := range s.tabs.Items {
		out = append(out, it.Text)
	}
	return out
}

// ShowTab selects a tab by title; false if the operator has no such tab.
func (s *Shell) ShowTab(title string) bool {
	for _, it := range s.tabs.Items {
		if it.Text == title {
			s.tabs.Select(it)
			return true
		}
	}
	return false
}

// Locked reports whether the login screen shows.
func (s *Shell) Locked() bool { return s.op == nil }

// HandleScan routes a scan from any scanner, whatever has the keyboard, to
// where it belongs: a badge while locked, an IMEI on the walk-in tab,
// otherwise the Receive tab, which it brings to the front (and which asks
// first while a device is being graded). Call it on the UI goroutine.
func (s *Shell) HandleScan(raw string) {
	switch {
	case s.op == nil:
		s.login.HandleScan(raw)
	case s.walkIn != nil && s.tabs.Selected() == s.items[TabWalkIn]:
		s.idle.touch()
		s.walkIn.HandleScan(raw)
	case s.ShowTab(TabReceive):
		s.flow.HandleScan(raw)
	case s.walkIn != nil && s.ShowTab(TabWalkIn):
		// A role without Receive (a clerk) scans for a walk-in.
		s.idle.touch()
		s.walkIn.HandleScan(raw)
	default:
		s.deps.Sound.Trouble()
		if s.deps.Window != nil {
			dialog.ShowInformation("Scan not used", fmt.Sprintf("Scan %q was not used: %s (%s) has no screen that takes scans.",
				strings.TrimSpace(raw), s.op.Name, s.op.Role), s.deps.Window)
		}
	}
}

// Lock shows the login screen, keeping every screen's state for whoever
// was working: it is still there when they log in again, and cleared when
// anyone else does.
func (s *Shell) Lock(why string) {
	prev := s.op
	s.op = nil
	s.idle.stop()
	s.status.SetOperator(nil)
	s.login.Locked(prev, why)
	s.showLogin()
	s.updateQuit()
}

// Quit ends the app if the operator may (a supervisor), and otherwise
// says who can: a kiosk has no other way out, so neither a locked bench
// nor a technician or clerk may leave it to the desktop.
func (s *Shell) Quit() {
	if err := intake.Authorize(s.Operator(), intake.ActionQuit); err != nil {
		s.deps.Sound.Trouble()
		const why = "Only a supervisor can quit the bench: a supervisor logs in, then quits."
		if s.op == nil {
			s.login.msg.error(why)
		} else if s.deps.Window != nil {
			dialog.ShowInformation("Not allowed", why, s.deps.Window)
		}
		return
	}
	s.deps.Quit()
}

// updateQuit enables the Quit menu item only for an operator who may quit.
func (s *Shell) updateQuit() {
	if s.quit == nil {
		return
	}
	s.quit.Disabled = !s.Operator().Role.May(intake.ActionQuit)
	if m := s.deps.Window.MainMenu(); m != nil {
		m.Refresh()
	}
}

func (s *Shell) showLogin() {
	if w := s.deps.Window; w != nil && w.Canvas().Content() == s.content {
		w.Canvas().Unfocus()
	}
	s.main.Hide()
	s.login.Content().Show()
	s.focus()
	s.shown(ScreenLogin)
}

// SetLoginHint shows text on the login screen, e.g. the demo operators.
func (s *Shell) SetLoginHint(text string) { s.login.SetHint(text) }

func (s *Shell) shown(name string) {
	if s.deps.OnScreen != nil {
		s.deps.OnScreen(name)
	}
}

func (s *Shell) loggedIn(op intake.Operator) {
	s.op = &op
	s.status.SetOperator(&op)
	s.tabs.SetItems(s.tabsFor(op))
	s.login.Content().Hide()
	s.main.Show()
	// A lock keeps the work for the one who left it: anyone else starts
	// on empty screens, and never sees a customer or a device that was
	// not theirs. A half-graded device stays received (its next scan
	// grades it); a walk-in not yet accepted was never recorded.
	if prev := s.workOf; prev.ID != "" && prev.ID != op.ID {
		s.clearWorkOf(prev)
	}
	s.workOf = op
	s.settings.ShowFor(op)
	if s.stats != nil {
		s.stats.ShowFor(op)
	}
	s.updateQuit()
	s.idle.start()
	// Each login starts at home: the tab the last person left (Settings,
	// say) takes no scans.
	if !s.ShowTab(homeTab(op.Role)) {
		s.tabs.SelectIndex(0)
	}
	s.tabShown(s.tabs.Selected())
}

// clearWorkOf empties the screens prev left behind, saying so where
// there was something to clear.
func (s *Shell) clearWorkOf(prev intake.Operator) {
	switch {
	case s.flow.grading():
		s.flow.discard(fmt.Sprintf("The grading %s left unfinished was cleared; the device stays received: scan it to grade it.", prev.Name))
	case s.flow.receive.match != nil:
		s.flow.discard(fmt.Sprintf("The device %s left on the screen was cleared: nothing was recorded for it.", prev.Name))
	case s.flow.receive.Headline() != "Ready to scan":
		s.flow.discard("") // the last result: someone else's device
	}
	if s.review != nil {
		s.review.forget()
	}
	switch {
	case s.walkIn == nil:
	case s.walkIn.done:
		s.walkIn.Reset(fmt.Sprintf("The walk-in %s accepted was cleared from the screen; it stays recorded.", prev.Name))
	case s.walkIn.entered():
		s.walkIn.Reset(fmt.Sprintf("The walk-in %s left unfinished was cleared: nothing of it was recorded.", prev.Name))
	}
}

// homeTab is where a role's work starts.
func homeTab(r intake.Role) string {
	switch r {
	case intake.RoleClerk:
		return TabWalkIn
	case intake.RoleSupervisor:
		return TabReview
	}
	return TabReceive
}

// tabsFor lists the tabs of a role. The domain says what a role may do;
// the shell only hides what would be refused anyway.
func (s *Shell) tabsFor(op intake.Operator) []*container.TabItem {
	var out []*container.TabItem
	add := func(title string, action intake.Action) {
		if it := s.items[title]; it != nil && (action == "" || intake.Authorize(op, action) == nil) {
			out = append(out, it)
		}
	}
	add(TabReceive, intake.ActionReceive)
	add(TabWalkIn, intake.ActionWalkIn)
	add(TabReview, intake.ActionDecide)
	add(TabStats, "")
	add(TabSettings, "")
	return out
}

func (s *Shell) tabShown(it *container.TabItem) {
	s.idle.touch()
	// The keyboard leaves the tab behind: a field there, hidden now, would
	// otherwise take the next scan.
	if w := s.deps.Window; w != nil && w.Canvas().Content() == s.content {
		w.Canvas().Unfocus()
	}
	switch {
	case it == nil:
	case it == s.items[TabReview]:
		s.review.Reload()
	case it == s.items[TabStats]:
		s.stats.Reload()
	}
	s.focus()
	if it != nil {
		s.shown(it.Text)
	}
}

// Focus puts the keyboard where the showing screen takes input. Call it
// once the shell is the window's content.
func (s *Shell) Focus() { s.focus() }

func (s *Shell) focus() {
	w := s.deps.Window
	if w == nil || w.Canvas().Content() != s.content {
		return // not shown yet: Fyne refuses focus outside the content
	}
	switch {
	case s.op == nil:
		s.login.Focus(w.Canvas())
	case s.tabs.Selected() == s.items[TabReceive]:
		s.flow.focus(w.Canvas())
	case s.walkIn != nil && s.tabs.Selected() == s.items[TabWalkIn]:
		s.walkIn.Focus(w.Canvas())
	case s.review != nil && s.tabs.Selected() == s.items[TabReview]:
		s.review.Focus(w.Canvas())
	}
}

// wireWindow sends stray typing to the active prompt and adds shortcuts:
// Ctrl+1…5 pick a tab, Ctrl+L locks the bench, and while grading Ctrl+F
// marks every zone flawless, Ctrl+P every check passed, Ctrl+Enter confirms;
// on the review queue Ctrl+O sends the counter-offer on screen and Ctrl+M
// asks for more photos.
func (s *Shell) wireWindow(w fyne.Window) {
	c := w.Canvas()
	c.SetOnTypedRune(func(r rune) {
		s.idle.touch()
		// Typing that reaches no field on a tab without a prompt goes
		// to the scan prompt: it is most likely the start of a scan the
		// wedge detector could not tell as one (the bench was busy
		// drawing a tab mid-scan), and the rest of it follows there.
		if sel := s.tabs.Selected(); s.op != nil && sel != s.items[TabReceive] && (s.walkIn == nil || sel != s.items[TabWalkIn]) {
			s.ShowTab(TabReceive)
		}
		s.focus()
		if f := c.Focused(); f != nil {
			f.TypedRune(r)
		}
	})
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		s.idle.touch()
		s.focus()
		if f := c.Focused(); f != nil && ev.Name == fyne.KeyReturn {
			f.TypedKey(ev)
		}
	})
	// Shortcuts live on menu items: Fyne gives a focused entry (the scan
	// prompt, nearly always) a canvas shortcut first and the entry drops
	// it, while menu shortcuts are tried before the focused widget.
	var goTo []*fyne.MenuItem
	for i, title := range []string{TabReceive, TabWalkIn, TabReview, TabStats, TabSettings} {
		item := fyne.NewMenuItem(title, func() {
			if s.op != nil {
				s.ShowTab(title)
			}
		})
		item.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyName(fmt.Sprint(i + 1)), Modifier: fyne.KeyModifierShortcutDefault}
		goTo = append(goTo, item)
	}
	lock := fyne.NewMenuItem("Lock the bench", func() {
		if s.op != nil {
			s.Lock("Locked by " + s.op.Name + ".")
		}
	})
	lock.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}
	// The bench's own Quit, which Fyne would otherwise add to the first
	// menu with no questions asked; the window's close button asks the
	// same.
	s.quit = fyne.NewMenuItem("Quit", s.Quit)
	s.quit.IsQuit = true
	w.SetCloseIntercept(s.Quit)
	grading := func(label string, key fyne.KeyName, do func(*GradeScreen)) *fyne.MenuItem {
		item := fyne.NewMenuItem(label, func() {
			if s.op != nil && s.tabs.Selected() == s.items[TabReceive] && s.flow.grading() {
				s.idle.touch()
				do(s.flow.grade)
			}
		})
		item.Shortcut = &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
		return item
	}
	grade := fyne.NewMenu("Grade",
		grading("All zones flawless", fyne.KeyF, (*GradeScreen).AllZonesFlawless),
		grading("All checks pass", fyne.KeyP, (*GradeScreen).AllChecksPass),
		grading("Confirm grading", fyne.KeyReturn, (*GradeScreen).ConfirmIfReady),
	)
	counter := fyne.NewMenuItem("Send counter-offer", func() {
		if s.op != nil && s.review != nil && s.tabs.Selected() == s.items[TabReview] {
			s.review.Decide(intake.DecideCounterOffer)
		}
	})
	counter.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: fyne.KeyModifierShortcutDefault}
	photos := fyne.NewMenuItem("Ask for more photos", func() {
		if s.op != nil && s.review != nil && s.tabs.Selected() == s.items[TabReview] {
			s.review.Decide(intake.DecideMorePhotos)
		}
	})
	photos.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyM, Modifier: fyne.KeyModifierShortcutDefault}
	w.SetMainMenu(fyne.NewMainMenu(fyne.NewMenu("Bench", lock, fyne.NewMenuItemSeparator(), s.quit), fyne.NewMenu("Go", goTo...), grade,
		fyne.NewMenu("Review", counter, photos)))
}
