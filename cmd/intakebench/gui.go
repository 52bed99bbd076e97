package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/intakebench/intakebench/assets"
	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/serialscan"
	"github.com/intakebench/intakebench/device/wedge"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/buildinfo"
	"github.com/intakebench/intakebench/printing"
	"github.com/intakebench/intakebench/store"
	"github.com/intakebench/intakebench/ui"
)

func runGUI(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	demoN := fs.Int("demo", 500, "demo trade-ins in the local hub when the app creates it")
	kiosk := fs.Bool("kiosk", false, "full screen (also a setting)")
	scanner := fs.String("scanner", "", "serial scanner port, e.g. /dev/ttyACM0 (default: the Settings choice)")
	scanCamera := fs.String("scan-camera", "", "webcam that reads barcodes live, e.g. /dev/video0 (default: none)")
	events := fs.Bool("events", false, "print a JSON line on stdout when the app is ready, a screen shows and a match is shown")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := &eventLog{enc: json.NewEncoder(stdout), on: *events}
	s, err := openStore(ctx, *db, storeLog(stderr))
	if errors.Is(err, store.ErrDamaged) {
		return runAlarm(ctx, newApp(), *db, err, out)
	}
	if err != nil {
		return err
	}
	defer s.Close()

	a := newApp()
	w := a.NewWindow("Intake Bench")
	status := &statusModel{log: stderr}

	link, err := startSync(ctx, *db, s, *demoN, stderr, status)
	if err != nil {
		return err
	}
	defer link.close()
	benchName := link.benchName()
	labels := printing.New(s, time.Now)
	labelled := labellingStore{Store: s, labels: labels, report: func(what string, err error) {
		if err != nil {
			fmt.Fprintf(stderr, "printing %s: %v\n", what, err)
		}
	}}
	bench := intake.NewBench(labelled, benchName, time.Now, newKey).WithRerouteEvidence(s)
	login := intake.NewLogin(s, time.Now).WithGrants(link)

	// The wedge sees every keystroke, in text fields too, so a scan is a
	// scan whatever has the keyboard. Its scans go to the shell, made next.
	var handleScan func(raw string)
	var sh *ui.Shell // the shell reports screens while it is being made
	layout := &layoutReport{out: out, shell: func() *ui.Shell { return sh }, window: w}
	scans := wedge.New(func(sc device.Scan) { handleScan(sc.Raw) }, wedge.Options{})
	sh, err = ui.NewShell(ui.Deps{
		Bench:     benchName,
		Login:     login,
		Operators: s,
		Receive: ui.ReceiveDeps{Lookup: freshUnits{lookup: unitScans{bench: bench, labels: labels, store: s}, queue: reviewQueue(s, link), wait: freshUnitWait}, Receiver: bench, Search: s, Link: bench,
			Quarantine: bench, Labels: uiLabels{labels}, ToDo: s},
		Grade:   ui.GradeDeps{Grader: bench, Photos: bench, Camera: settingsCamera{a.Preferences()}, Existing: s},
		Reviews: reviewQueue(s, link),
		Decider: ui.BenchDecider(bench, s),
		WalkIn: ui.WalkInDeps{Catalog: s, IMEI: imeiRegistry{hub: link, cache: s}, Accept: ui.BenchWalkIns(bench, labelled),
			Receipts: walkInReceipts{svc: labels, dir: filepath.Join(filepath.Dir(*db), "receipts")}},
		Stats: s,
		Settings: ui.SettingsDeps{
			Scanners: serialPorts{},
			Cameras:  videoDevices{},
			Enroller: supervisorEnroller{guiEnroller{link: link, store: s, db: *db, bench: benchName}},
			Printers: uiLabels{labels},
		},
		Window:   w,
		Keys:     wedgeKeys{scans},
		Sound:    newSounder(),
		Recorded: link.nudge,
		Quit:     a.Quit,
		OnScreen: func(name string) {
			out.report(appEvent{Event: "screen", Screen: name})
			layout.changed(name)
		},
	})
	if err != nil {
		return err
	}
	status.bind(sh.StatusBar(), benchName)
	updateTicks := time.NewTicker(updateCheckEvery)
	defer updateTicks.Stop()
	go watchUpdates(ctx, link, buildinfo.Get().Version, updateTicks.C, status.update)
	queueTicks := time.NewTicker(ui.ReviewFetchEvery)
	defer queueTicks.Stop()
	go watchQueue(ctx, reviewQueue(s, link), queueTicks.C, func() { fyne.Do(sh.Receive().ReloadToDo) })
	defer layout.stop()
	sh.Receive().OnShown = func(m intake.Match) {
		ev := appEvent{Event: "match-shown", Outcome: m.Outcome, Scan: m.Scan, Unit: m.Unit}
		if m.TradeIn != nil {
			ev.Reference = m.TradeIn.Reference
		}
		out.report(ev)
		layout.changed("")
	}
	sh.Receive().OnGraded = func(t intake.TradeIn, g intake.Grading) {
		out.report(appEvent{Event: "graded", Reference: t.Reference, Rerouted: g.Decision.Reroute})
	}
	if wi := sh.WalkIn(); wi != nil {
		wi.OnChecked = func(c intake.IMEICheck) {
			out.report(appEvent{Event: "walkin-checked", Scan: c.IMEI, Decision: string(c.Status)})
		}
		wi.OnNext = func(step string) { out.report(appEvent{Event: "walkin-step", Step: step}) }
		wi.OnAccepted = func(t intake.TradeIn, _ intake.Receipt) {
			out.report(appEvent{Event: "walkin-accepted", Reference: t.Reference})
		}
	}
	if r := sh.Review(); r != nil {
		r.OnShown = func(rv intake.Review) {
			out.report(appEvent{Event: "review-shown", Reference: rv.TradeIn.Reference})
			layout.changed("")
		}
		r.OnDecided = func(d intake.SupervisorDecision) {
			out.report(appEvent{Event: "decided", Decision: string(d.Kind)})
		}
	}
	if hint, err := demoHint(ctx, s); err == nil && hint != "" {
		sh.Receive().SetHint(hint)
	}
	if link.local() {
		sh.SetLoginHint(loginHint())
	}
	w.SetContent(sh.Content())
	sh.Focus()
	w.Resize(windowSize())
	w.SetFullScreen(*kiosk || a.Preferences().Bool(ui.PrefKiosk))

	// Every reader reports on one stream; scans go to whichever screen is
	// showing, on the UI goroutine, unless damage stopped the bench.
	watch := &damageWatch{}
	handleScan = watch.scans(sh.HandleScan)
	scans.HookCanvas(w.Canvas())
	readers := make(chan device.Event, 16)
	serial := &serialReaders{ctx: ctx, port: *scanner, events: readers, stderr: stderr}
	serial.start(a.Preferences().StringWithFallback(ui.PrefScanner, ui.ScannerAuto))
	defer serial.stop()
	startCameraScanner(ctx, *scanCamera, readers, stderr)
	sh.Settings().OnChanged = func(key string) {
		if key == ui.PrefScanner {
			go serial.start(a.Preferences().String(ui.PrefScanner))
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { routeDeviceEvents(ctx, readers, sh, handleScan, status) })
	wg.Go(func() { watchPrinter(ctx, labels, status, stderr) })
	defer wg.Wait()
	defer cancel()

	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	a.Lifecycle().SetOnStarted(func() {
		out.report(appEvent{Event: "ready"})
		// Open checked what it could in its bound; the rest (the cache of a
		// big store, what the bound cut) is checked now that the bench is up.
		wg.Go(func() {
			watch.run(ctx, s, func() {
				serial.stop()
				link.close()
			}, func(err error) {
				w.SetMainMenu(nil) // its shortcuts act on the bench
				// The alarm has its own Close button for anyone: closing
				// the window no longer asks for a supervisor.
				w.SetCloseIntercept(nil)
				w.SetContent(alarmScreen(a, *db, err))
				w.Resize(windowSize())
				out.report(appEvent{Event: "screen", Screen: ui.ScreenAlarm})
			})
		})
		// Starting leaves garbage (font tables parsed for measuring, the
		// migration check) that a kiosk running all day never needs: hand
		// it back now rather than whenever the scavenger gets to it.
		go debug.FreeOSMemory()
	})
	w.ShowAndRun()
	return watch.err
}

// windowSize is the window's size out of kiosk mode: it fits the smallest
// screen a bench has, 1024×768, with room for a window manager's title bar
// and panel, and every screen is laid out to work in it.
func windowSize() fyne.Size { return fyne.NewSize(1024, 720) }

// supervisorEnroller moves the bench to another hub for a supervisor only:
// the settings screen hides the form from everyone else, and this refuses
// them should they reach it anyway.
type supervisorEnroller struct{ next guiEnroller }

func (e supervisorEnroller) Enroll(ctx context.Context, op intake.Operator, hubURL, code string) error {
	if err := intake.Authorize(op, intake.ActionEnroll); err != nil {
		return err
	}
	return e.next.Enroll(ctx, hubURL, code)
}

// wedgeKeys is the wedge detector as the screens' key filter.
type wedgeKeys struct{ w *wedge.Wedge }

func (k wedgeKeys) Filter(typeRune func(rune), typeKey func(*fyne.KeyEvent)) ui.Keystrokes {
	return k.w.Forwarder(typeRune, typeKey)
}

func (k wedgeKeys) Release() { k.w.Release() }

// newApp is the bench's Fyne app, the same whether it shows the bench or
// the alarm screen.
func newApp() fyne.App {
	a := app.NewWithID("io.intakebench.bench")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	return a
}

// serialReaders runs the serial scanners, again with new ones when the
// Settings choice changes.
type serialReaders struct {
	ctx    context.Context
	port   string // from the command line: wins over Settings
	events chan<- device.Event
	stderr io.Writer

	restart sync.Mutex // one start at a time
	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
}

func (r *serialReaders) start(setting string) {
	r.restart.Lock()
	defer r.restart.Unlock()
	r.stop()
	sources, err := scannerSources(r.port, setting)
	if err != nil {
		fmt.Fprintf(r.stderr, "serial scanner: %v\n", err)
	}
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := device.RunAll(ctx, r.events, sources...); err != nil {
			fmt.Fprintf(r.stderr, "serial scanner: %v\n", err)
		}
	}()
	r.mu.Lock()
	r.cancel, r.done = cancel, done
	r.mu.Unlock()
}

func (r *serialReaders) stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// routeDeviceEvents hands the serial scanners' reads to scan and
// their plugging to the status bar.
func routeDeviceEvents(ctx context.Context, events <-chan device.Event, sh *ui.Shell, scan func(raw string), status *statusModel) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			switch ev := ev.(type) {
			case device.Scan:
				fyne.Do(func() { scan(ev.Raw) })
			case device.Rejected:
				fyne.Do(func() { sh.Receive().SetHint(fmt.Sprintf("%s refused a read: %s", ev.Source, ev.Reason)) })
			case device.Status:
				status.scanner(ev.Source, ev.State == device.Connected)
			}
		}
	}
}

// statusModel merges what the sync engine and the scanners report into the
// status bar. Reports arrive on their own goroutines.
type statusModel struct {
	log io.Writer // where a failed sync is written down, once each

	mu       sync.Mutex
	bar      *ui.StatusBar
	st       ui.Status
	scanners map[string]bool
}

func (m *statusModel) bind(bar *ui.StatusBar, bench string) {
	m.mu.Lock()
	m.bar, m.st.Bench = bar, bench
	m.mu.Unlock()
	m.push()
}

func (m *statusModel) sync(s benchsync.Status) {
	m.mu.Lock()
	m.st.Sync = ui.SyncStatus{Online: s.Online, LastSync: s.LastSync, Pending: s.Pending,
		Pulling: s.State == benchsync.StatePulling, PullDone: s.Items, PullTotal: s.Total}
	failed := m.st.Sync.Failed
	if s.State == benchsync.StateFailed && s.Err != nil {
		m.st.Sync.Failed = s.Err.Error()
	}
	newly := m.st.Sync.Failed != "" && m.st.Sync.Failed != failed
	m.mu.Unlock()
	if newly && m.log != nil {
		// The status bar shows a line of it; the log keeps it whole.
		fmt.Fprintf(m.log, "sync failed: %s\n", s.Err)
	}
	m.push()
}

func (m *statusModel) scanner(name string, connected bool) {
	m.mu.Lock()
	if m.scanners == nil {
		m.scanners = map[string]bool{}
	}
	m.scanners[name] = connected
	if name == serialscan.AutoSource && connected {
		delete(m.scanners, name) // auto-detection is worth a mention only when it fails
	}
	m.st.Scanners = m.st.Scanners[:0]
	for _, n := range slices.Sorted(maps.Keys(m.scanners)) {
		m.st.Scanners = append(m.st.Scanners, ui.ScannerStatus{Name: n, Connected: m.scanners[n]})
	}
	m.mu.Unlock()
	m.push()
}

func (m *statusModel) printer(p ui.PrinterStatus) {
	m.mu.Lock()
	m.st.Printer = p
	m.mu.Unlock()
	m.push()
}

func (m *statusModel) update(n intake.UpdateNotice, ok bool) {
	m.mu.Lock()
	m.st.Update = nil
	if ok {
		m.st.Update = &n
	}
	m.mu.Unlock()
	m.push()
}

func (m *statusModel) push() {
	m.mu.Lock()
	bar, st := m.bar, m.st
	st.Scanners = append([]ui.ScannerStatus(nil), st.Scanners...)
	m.mu.Unlock()
	if bar != nil {
		fyne.Do(func() { bar.Update(st) })
	}
}

// layoutReport writes, with --events, where the main buttons of the
// screen showing are once it has settled: how the real-window test checks
// that nothing a person needs is off screen.
type layoutReport struct {
	out    *eventLog
	shell  func() *ui.Shell
	window fyne.Window

	mu     sync.Mutex
	screen string
	timer  *time.Timer
}

// settle is how long the report waits after a change: a screen is laid
// out over the frame or two after it is shown, and a burst of changes
// (a tab, then its queue loaded) makes one report.
const settle = 250 * time.Millisecond

// changed notes a change of what shows; screen is its name, "" for a change
// within the same screen.
func (l *layoutReport) changed(screen string) {
	if !l.out.on {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if screen != "" {
		l.screen = screen
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timer = time.AfterFunc(settle, func() { fyne.Do(l.report) })
}

func (l *layoutReport) report() {
	sh := l.shell()
	if sh == nil {
		return
	}
	l.mu.Lock()
	screen := l.screen
	l.mu.Unlock()
	size := l.window.Canvas().Size()
	l.out.report(appEvent{Event: "actions", Screen: screen, Actions: sh.Actions(), Canvas: &size})
}

func (l *layoutReport) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
	}
}

// eventLog writes --events lines: what an end-to-end test waits for.
type eventLog struct {
	mu  sync.Mutex
	enc *json.Encoder
	on  bool
}

// appEvent is one line of --events output.
type appEvent struct {
	Event     string           `json:"event"`
	Screen    string           `json:"screen,omitempty"`
	Outcome   intake.Outcome   `json:"outcome,omitempty"`
	Reference string           `json:"reference,omitempty"`
	Scan      string           `json:"scan,omitempty"`
	Rerouted  bool             `json:"rerouted,omitempty"`
	Decision  string           `json:"decision,omitempty"`
	Step      string           `json:"step,omitempty"`
	Unit      intake.UnitState `json:"unit,omitempty"`
	Actions   []ui.Action      `json:"actions,omitempty"`
	Canvas    *fyne.Size       `json:"canvas,omitempty"`
	At        time.Time        `json:"at"`
}

func (l *eventLog) report(ev appEvent) {
	if !l.on {
		return
	}
	ev.At = time.Now().UTC()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.enc.Encode(ev)
}

// demoHint lists a few IMEIs to try, so a newcomer can walk the flow
// without a device in hand.
func demoHint(ctx context.Context, s *store.Store) (string, error) {
	ts, flags, err := s.Examples(ctx, 3)
	if err != nil || len(ts) == 0 {
		return "", err
	}
	var b strings.Builder
	b.WriteString("No device at hand? Type one of these IMEIs and press Enter:\n")
	for _, t := range ts {
		fmt.Fprintf(&b, "  %s — %s %s %s (%s)\n", t.IMEI, t.Device.Make, t.Device.Model, t.Device.Storage, t.Reference)
	}
	for _, f := range flags[:min(1, len(flags))] {
		fmt.Fprintf(&b, "  %s — %s (shows a stop)\n", f.IMEI, f.Kind)
	}
	return b.String(), nil
}

// loginHint names the demo operators of the local hub.
func loginHint() string {
	var b strings.Builder
	b.WriteString("Demo hub. Log in as:")
	for _, o := range demo.Operators() {
		fmt.Fprintf(&b, "\n  %s (%s): badge %s, PIN %s", o.Name, o.Role, o.Badge, o.PIN)
	}
	return b.String()
}
