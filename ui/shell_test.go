package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

type statsFunc func(ctx context.Context, since time.Time) (intake.ShiftStats, error)

func (f statsFunc) ShiftStats(ctx context.Context, since time.Time) (intake.ShiftStats, error) {
	return f(ctx, since)
}

func newShell(t *testing.T, f *fixture) (*Shell, func(string, func() bool)) {
	t.Helper()
	return newShellQuitting(t, f, func() { t.Error("the app quit") })
}

// newShellQuitting is newShell with quit as the app's Quit.
func newShellQuitting(t *testing.T, f *fixture, quit func()) (*Shell, func(string, func() bool)) {
	t.Helper()
	return newShellWith(t, f, quit, Silent{})
}

// newShellWith is newShell with quit as the app's Quit and sound its
// Sounder.
func newShellWith(t *testing.T, f *fixture, quit func(), sound Sounder) (*Shell, func(string, func() bool)) {
	t.Helper()
	a := test.NewTempApp(t)
	post, until := settling(t)
	w := test.NewTempWindow(t, nil)
	sh, err := NewShell(Deps{
		Bench: "bench-7", Login: f.login, Operators: f.store,
		Receive: ReceiveDeps{Lookup: f.bench, Receiver: f.bench, Search: f.store, Link: f.bench, Quarantine: f.bench},
		Grade:   GradeDeps{Grader: f.bench, Photos: f.bench},
		Reviews: f.store, Decider: BenchDecider(f.bench, f.store),
		WalkIn: WalkInDeps{Catalog: f.store, IMEI: flagChecker{f.store}, Accept: BenchWalkIns(f.bench, f.store)},
		Stats: statsFunc(func(context.Context, time.Time) (intake.ShiftStats, error) {
			return intake.ShiftStats{}, nil
		}),
		Settings: SettingsDeps{Prefs: a.Preferences()},
		Window:   w, Clock: f.clock, Sound: sound, Quit: quit, post: post,
	})
	require.NoError(t, err)
	w.SetContent(sh.Content())
	until("the operator list", func() bool { return len(sh.login.operators) == 3 })
	return sh, until
}

func loginAs(t *testing.T, sh *Shell, until func(string, func() bool), op intake.Operator, pin string) {
	t.Helper()
	sh.login.pick.SetSelected(operatorLabel(op))
	test.Type(sh.login.pin, pin)
	test.Tap(sh.login.login)
	until("the login", func() bool { return !sh.Locked() })
}

func TestShellRequiresItsServices(t *testing.T) {
	test.NewTempApp(t)
	_, err := NewShell(Deps{})
	assert.ErrorContains(t, err, "ui.Deps.Login is required")
	assert.ErrorContains(t, err, "ui.Deps.Grade.Grader is required")
}

func TestShellTabsByRole(t *testing.T) {
	tests := []struct {
		op   intake.Operator
		pin  string
		tabs []string
	}{
		{tech, pinTech, []string{TabReceive, TabStats, TabSettings}},
		{clerk, pinClerk, []string{TabWalkIn, TabStats, TabSettings}},
		{supervisor, pinSuper, []string{TabReceive, TabWalkIn, TabReview, TabStats, TabSettings}},
	}
	for _, tt := range tests {
		t.Run(string(tt.op.Role), func(t *testing.T) {
			f := newFixture(t)
			sh, until := newShell(t, f)
			assert.True(t, sh.Locked())
			assert.Empty(t, sh.Tabs(), "nothing shows before a login")
			loginAs(t, sh, until, tt.op, tt.pin)
			assert.Equal(t, tt.tabs, sh.Tabs())
			assert.Equal(t, tt.op, sh.Operator())
			assert.Equal(t, tt.op.Name+" ("+string(tt.op.Role)+")", sh.status.operator.Text)
		})
	}
}

func TestShellIdleLockKeepsTheBench(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	sh.HandleScan(badgeTech) // a badge scan while locked logs in
	until("the login", func() bool { return !sh.Locked() })
	assert.Equal(t, tech, sh.Operator())

	sh.HandleScan(imeiShipped)
	until("the match", func() bool { return sh.flow.receive.receive.Visible() })
	test.Tap(sh.flow.receive.receive)
	until("the grading", sh.flow.grading)
	sh.flow.grade.zones[intake.ZoneBack].SetSelected(intake.SeverityLight.String())

	f.clock.Advance(intake.IdleLockAfter - time.Minute)
	assert.False(t, sh.Locked())
	test.Type(sh.flow.grade.battery, "9") // input restarts the wait
	f.clock.Advance(intake.IdleLockAfter - time.Minute)
	assert.False(t, sh.Locked(), "input keeps the bench unlocked")

	f.clock.Advance(time.Minute)
	require.True(t, sh.Locked(), "locked after %s without input", intake.IdleLockAfter)
	assert.Equal(t, "Locked — nobody logged in", sh.status.operator.Text)
	assert.Contains(t, sh.login.note.Text, "Locked after 5m0s without input. The work of Tess is kept")
	assert.Equal(t, intake.Operator{}, sh.Operator(), "a locked bench acts as nobody")

	loginAs(t, sh, until, tech, pinTech)
	assert.True(t, sh.flow.grading(), "the grading is still on the bench")
	assert.Equal(t, "Grade TI-1 — Apple iPhone 13 128GB · Ada Lovelace", sh.flow.grade.title.Text)
	assert.Equal(t, intake.SeverityLight.String(), sh.flow.grade.zones[intake.ZoneBack].Selected)
	assert.Equal(t, "9", sh.flow.grade.battery.Text)
}

func TestShellRoutesScansToTheWalkInTab(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	loginAs(t, sh, until, clerk, pinClerk)
	require.True(t, sh.ShowTab(TabWalkIn))
	sh.HandleScan(imeiFlagged)
	until("the IMEI check", func() bool { return sh.walkIn.check != nil })
	assert.Contains(t, sh.walkIn.CheckHeadline(), "STOP")
	assert.Equal(t, "Ready to scan", sh.flow.receive.Headline(), "the receive prompt was not used")
}

func TestShellSupervisorEndToEnd(t *testing.T) {
	f := newFixture(t)
	f.rerouted(t)
	sh, until := newShell(t, f)
	loginAs(t, sh, until, supervisor, pinSuper)
	require.True(t, sh.ShowTab(TabReview))
	until("the queue", func() bool { return len(sh.review.Queue()) == 1 })
	sh.review.Select(0)
	test.Type(sh.review.reason, "loyal customer")
	test.Tap(sh.review.buttons[2])
	test.Tap(sh.review.buttons[2])
	until("the queue to empty", func() bool { return len(sh.review.Queue()) == 0 })
	state, err := f.store.UnitState(context.Background(), tradeInShip)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitAccepted, state)
}

func TestShellStatusBarUpdates(t *testing.T) {
	f := newFixture(t)
	sh, _ := newShell(t, f)
	b := sh.StatusBar()
	assert.Equal(t, "Bench bench-7", b.bench.Text)
	assert.Equal(t, "Hub offline · never synced", b.hub.Text)
	last := time.Date(2026, 11, 24, 9, 41, 0, 0, time.Local)
	b.Update(Status{Bench: "bench-7", Sync: SyncStatus{Online: true, LastSync: last, Pending: 3, Pulling: true, PullDone: 40, PullTotal: 200},
		Scanners: []ScannerStatus{{Name: "Zebra DS2208", Connected: true}, {Name: "Honeywell 1900", Connected: false}}})
	assert.Equal(t, "Hub online · last sync 09:41", b.hub.Text)
	assert.Equal(t, "3 events waiting", b.pending.Text)
	assert.Equal(t, "Scanners 1/2: Zebra DS2208 ✓, Honeywell 1900 ✗", b.scanners.Text)
	assert.True(t, b.progress.Visible())
	assert.Equal(t, 40.0, b.progress.Value)
	assert.Equal(t, 200.0, b.progress.Max)

	b.Update(Status{Bench: "bench-7", Sync: SyncStatus{Pulling: true}})
	assert.False(t, b.progress.Visible())
	assert.True(t, b.busy.Visible(), "a pull of unknown size shows an endless bar")
	b.Update(Status{Bench: "bench-7", Sync: SyncStatus{Pending: 1}})
	assert.False(t, b.busy.Visible())
	assert.Equal(t, "1 event waiting", b.pending.Text)
	assert.Equal(t, "No scanner", b.scanners.Text)
}

// The hub's offer of another release shows to a supervisor, who plans
// when the bench is updated, and to nobody else: not to a technician, not
// on the lock screen, and not once the bench runs what is offered.
func TestShellStatusBarTellsOnlySupervisorsOfUpdates(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	b := sh.StatusBar()
	offered := Status{Bench: "bench-7", Update: &intake.UpdateNotice{Running: "v1.4.0", Offered: "v1.5.0"}}
	b.Update(offered)
	assert.False(t, b.update.Visible(), "locked")

	loginAs(t, sh, until, tech, pinTech)
	assert.False(t, b.update.Visible(), "a technician")

	sh.Lock("shift change")
	loginAs(t, sh, until, supervisor, pinSuper)
	require.True(t, b.update.Visible(), "a supervisor")
	assert.Equal(t, "Update available: v1.5.0 (running v1.4.0) — install between shifts", b.update.Text)

	b.Update(Status{Bench: "bench-7"})
	assert.False(t, b.update.Visible(), "the bench runs what is offered")
	b.Update(offered)
	sh.Lock("break")
	assert.False(t, b.update.Visible(), "locked again")
}

// menuItem finds the window menu item labelled label.
func menuItem(t *testing.T, w fyne.Window, label string) *fyne.MenuItem {
	t.Helper()
	require.NotNil(t, w.MainMenu(), "the window has the shell's menu")
	for _, m := range w.MainMenu().Items {
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
	}
	t.Fatalf("no menu item %q", label)
	return nil
}

func TestShellMenuShortcutsRespectTheRole(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	w := sh.deps.Window
	review := menuItem(t, w, TabReview)
	require.NotNil(t, review.Shortcut, "Ctrl+3 reaches the review queue even while the scan prompt has focus")
	assert.Equal(t, "CustomDesktop:Control+3", review.Shortcut.ShortcutName())

	review.Action()
	assert.True(t, sh.Locked(), "a shortcut does nothing while the bench is locked")

	loginAs(t, sh, until, tech, pinTech)
	review.Action()
	assert.Equal(t, TabReceive, sh.tabs.Selected().Text, "a technician has no review queue to go to")
	menuItem(t, w, TabStats).Action()
	assert.Equal(t, TabStats, sh.tabs.Selected().Text)

	menuItem(t, w, "Lock the bench").Action()
	assert.True(t, sh.Locked())
	assert.Contains(t, sh.login.note.Text, "Locked by Tess.")
}

func TestShellGradesFromTheKeyboard(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	w := sh.deps.Window
	loginAs(t, sh, until, tech, pinTech)
	sh.HandleScan(imeiShipped)
	until("the match", func() bool { return sh.flow.receive.match != nil })
	sh.flow.receive.Receive()
	until("the grading", func() bool { return sh.flow.grading() })
	g := sh.flow.grade
	assert.Equal(t, g.zones[intake.ZoneScreen], w.Canvas().Focused(), "the keyboard starts on the first zone")

	menuItem(t, w, "Confirm grading").Action()
	assert.False(t, g.busy, "an incomplete checklist is not sent")
	assert.Contains(t, g.Progress(), "0 of 13 answered", "the screen says what is missing")
	test.Type(g.zones[intake.ZoneScreen], "1") // a digit picks, and the keyboard moves on
	assert.Equal(t, intake.SeverityNone.String(), g.zones[intake.ZoneScreen].Selected)
	assert.Equal(t, g.zones[intake.ZoneBack], w.Canvas().Focused())
	menuItem(t, w, "All zones flawless").Action()
	assert.Equal(t, g.checks[intake.CheckPower], w.Canvas().Focused(), "on to the first open question")
	menuItem(t, w, "All checks pass").Action()
	assert.Equal(t, g.battery, w.Canvas().Focused())
	test.Type(g.battery, "70")
	menuItem(t, w, "Confirm grading").Action()
	until("the result", func() bool { return !sh.flow.grading() })
	state, err := f.store.UnitState(context.Background(), tradeInShip)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitGraded, state, "a weak battery caps the grade at good, as disclosed")
	assert.Equal(t, "Received — graded good", sh.flow.receive.Headline(), "the receive screen shows the result")
}

// TestShellClerkHasNoReceiveOrGradePath: a clerk's bench is the counter.
// No Receive tab, no shortcut to it, a scan goes to the walk-in, and the
// receive screen reached anyway is refused by the bench service.
func TestShellClerkHasNoReceiveOrGradePath(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	w := sh.deps.Window
	loginAs(t, sh, until, clerk, pinClerk)
	assert.Equal(t, []string{TabWalkIn, TabStats, TabSettings}, sh.Tabs())
	assert.Equal(t, TabWalkIn, sh.tabs.Selected().Text)

	menuItem(t, w, TabReceive).Action()
	assert.Equal(t, TabWalkIn, sh.tabs.Selected().Text, "Ctrl+1 has no Receive tab to go to")
	sh.HandleScan(imeiShipped)
	until("the IMEI check", func() bool { return sh.walkIn.check != nil })
	assert.Equal(t, TabWalkIn, sh.tabs.Selected().Text, "the scan went to the walk-in")
	assert.Equal(t, "Ready to scan", sh.flow.receive.Headline(), "and not to Receive")
	menuItem(t, w, "All zones flawless").Action()
	assert.False(t, sh.flow.grading())

	// The receive screen, reached some other way: the service says no.
	r := sh.flow.receive
	r.HandleScan(imeiShipped)
	until("the match", func() bool { return r.match != nil })
	r.Receive()
	until("the refusal", func() bool { return !r.busy })
	assert.Equal(t, "Not received", r.Headline())
	assert.Equal(t, "Apple iPhone 13 128GB — Ada Lovelace\n"+
		"Not allowed: Carl (clerk) may not receive. Nothing was changed. Ask someone with the right role to log in at this bench.", r.Details())
	assert.False(t, sh.flow.grading(), "no grading follows")
	n, err := f.store.CountPending(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "nothing was recorded")
}

// TestShellSettingsByRole: the hub form and the kiosk toggle show for a
// supervisor only, login by login on the same bench.
func TestShellSettingsByRole(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	loginAs(t, sh, until, tech, pinTech)
	require.True(t, sh.ShowTab(TabSettings))
	assert.False(t, sh.settings.hubForm.Visible(), "no re-enrolling for a technician")
	assert.False(t, sh.settings.display.Visible(), "no kiosk toggle for a technician")
	assert.True(t, sh.settings.hubNote.Visible())

	sh.Lock("Locked by Tess.")
	loginAs(t, sh, until, supervisor, pinSuper)
	require.True(t, sh.ShowTab(TabSettings))
	assert.True(t, sh.settings.hubForm.Visible())
	assert.True(t, sh.settings.display.Visible())
	assert.False(t, sh.settings.hubNote.Visible())

	sh.Lock("Locked by Sam.")
	loginAs(t, sh, until, clerk, pinClerk)
	require.True(t, sh.ShowTab(TabSettings))
	assert.False(t, sh.settings.hubForm.Visible(), "nor for a clerk")
	assert.False(t, sh.settings.display.Visible())
}

// TestShellQuitIsTheSupervisors: the lock screen offers no way out of the
// kiosk, nor does a technician's login; a supervisor's does.
func TestShellQuitIsTheSupervisors(t *testing.T) {
	f := newFixture(t)
	quits := 0
	sh, until := newShellQuitting(t, f, func() { quits++ })
	w := sh.deps.Window
	quit := menuItem(t, w, "Quit")
	assert.True(t, quit.IsQuit, "the bench's own Quit: Fyne adds none of its own")

	assert.True(t, quit.Disabled, "no Quit on the lock screen")
	quit.Action() // what the window's close button does too
	assert.Zero(t, quits)
	assert.Equal(t, "Only a supervisor can quit the bench: a supervisor logs in, then quits.", sh.login.Message())

	loginAs(t, sh, until, tech, pinTech)
	assert.True(t, quit.Disabled, "nor for a technician")
	sh.Quit()
	assert.Zero(t, quits)

	sh.Lock("Locked by Tess.")
	assert.True(t, quit.Disabled)
	loginAs(t, sh, until, supervisor, pinSuper)
	assert.False(t, quit.Disabled, "a supervisor unlocks, then quits")
	quit.Action()
	assert.Equal(t, 1, quits)
}

// TestShellIdleLockKeepsAWalkInForItsClerkOnly: the clerk who left a
// walk-in finds it again; anyone else logs in to an empty form and never
// sees that customer.
func TestShellIdleLockKeepsAWalkInForItsClerkOnly(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	loginAs(t, sh, until, clerk, pinClerk)
	wi := sh.walkIn
	sh.HandleScan(imeiWalkIn)
	until("the IMEI check", func() bool { return wi.check != nil })
	test.Type(wi.name, "Grace Hopper")

	f.clock.Advance(intake.IdleLockAfter)
	require.True(t, sh.Locked())
	assert.Contains(t, sh.login.note.Text, "The work of Carl is kept for them")
	loginAs(t, sh, until, clerk, pinClerk)
	assert.Equal(t, imeiWalkIn, wi.imei.Text, "Carl's own walk-in is still there")
	assert.Equal(t, "Grace Hopper", wi.name.Text)

	f.clock.Advance(intake.IdleLockAfter)
	require.True(t, sh.Locked())
	loginAs(t, sh, until, supervisor, pinSuper)
	require.True(t, sh.ShowTab(TabWalkIn))
	assert.Empty(t, wi.imei.Text, "the next person starts on an empty form")
	assert.Empty(t, wi.name.Text)
	assert.Nil(t, wi.check)
	assert.Equal(t, "IMEI not checked yet", wi.CheckHeadline())
	assert.Equal(t, "The walk-in Carl left unfinished was cleared: nothing of it was recorded.", wi.Message())
	assert.NotContains(t, wi.Message(), "Grace Hopper")

	f.clock.Advance(intake.IdleLockAfter)
	loginAs(t, sh, until, clerk, pinClerk)
	assert.Empty(t, wi.name.Text, "cleared is cleared: it does not come back for Carl")
}

// TestShellIdleLockKeepsAGradingForItsTechnicianOnly: a half-graded
// device is not handed to the next person; it stays received.
func TestShellIdleLockKeepsAGradingForItsTechnicianOnly(t *testing.T) {
	f := newFixture(t)
	sh, until := newShell(t, f)
	loginAs(t, sh, until, tech, pinTech)
	sh.HandleScan(imeiShipped)
	until("the match", func() bool { return sh.flow.receive.receive.Visible() })
	test.Tap(sh.flow.receive.receive)
	until("the grading", sh.flow.grading)
	sh.flow.grade.zones[intake.ZoneBack].SetSelected(intake.SeverityLight.String())

	f.clock.Advance(intake.IdleLockAfter)
	require.True(t, sh.Locked())
	loginAs(t, sh, until, supervisor, pinSuper)
	assert.False(t, sh.flow.grading(), "Tess's grading is not Sam's")
	require.True(t, sh.ShowTab(TabReceive))
	assert.Equal(t, "Ready to scan", sh.flow.receive.Headline())
	assert.Equal(t, "The grading Tess left unfinished was cleared; the device stays received: scan it to grade it.", sh.flow.receive.Details())
	assert.NotContains(t, sh.flow.receive.Details(), customerName)

	state, err := f.store.UnitState(context.Background(), tradeInShip)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitReceived, state, "the device stays received")
}

// A supervisor's half-typed reason and counter-offer are theirs: the next
// person to log in finds the item as the queue has it, not as they left it.
func TestShellIdleLockForgetsASupervisorsTypedReason(t *testing.T) {
	f := newFixture(t)
	f.rerouted(t)
	sh, until := newShell(t, f)
	loginAs(t, sh, until, supervisor, pinSuper)
	require.True(t, sh.ShowTab(TabReview))
	until("the queue", func() bool { return len(sh.review.Queue()) == 1 })
	sh.review.Select(0)
	graded := sh.review.amount.Text
	test.Type(sh.review.reason, "customer is a friend")
	sh.review.amount.SetText("999.00")

	sh.Lock("shift change")
	loginAs(t, sh, until, tech, pinTech)
	sh.Lock("break")
	loginAs(t, sh, until, supervisor, pinSuper)
	assert.Empty(t, sh.review.reason.Text)
	assert.Equal(t, graded, sh.review.amount.Text, "the graded price again")
}
