// Package wedge connects keyboard-wedge barcode scanners to a Fyne window:
// keystrokes pass through a keyburst.Detector, scans are reported and a
// person's typing reaches its widget unchanged. Hook a window's canvas to
// catch scans when no widget has focus, and use Entry (or a Forwarder in a
// custom widget) where a focused widget should catch them too.
package wedge

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/keyburst"
)

// Clock is the time source; tests substitute one they advance by hand.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d, unless stop is called.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Options tune a Wedge; the zero value is ready to use.
type Options struct {
	keyburst.Config
	Source string // Source of the scans; empty means "wedge"
	Clock  Clock  // nil means the system clock
}

// Wedge reports the scans typed into any of its hooks.
type Wedge struct {
	opts   Options
	onScan func(device.Scan)

	mu         sync.Mutex          // guards holding and delivering
	holding    map[*Forwarder]bool // forwarders holding keys back
	delivering map[*Forwarder]bool // forwarders handing keys on now
}

// New returns a wedge calling onScan, on the Fyne goroutine, for each scan.
func New(onScan func(device.Scan), opts Options) *Wedge {
	if opts.Source == "" {
		opts.Source = "wedge"
	}
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	return &Wedge{opts: opts, onScan: onScan, holding: map[*Forwarder]bool{}, delivering: map[*Forwarder]bool{}}
}

// Release hands on, as typing, the keys every forwarder holds back, except
// those of a forwarder handing keys on at this moment. Call it before a
// key reaches a widget without passing a forwarder (a scan prompt that
// takes scans as typing): when focus moves mid-scan, the canvas's
// forwarder may still hold keys that were typed before it, and they must
// arrive first, not after the scan's Enter.
func (w *Wedge) Release() {
	w.mu.Lock()
	var held []*Forwarder
	for f := range w.holding {
		if !w.delivering[f] {
			held = append(held, f)
		}
	}
	w.mu.Unlock()
	for _, f := range held {
		f.deliver(f.step(func(d *keyburst.Detector, _ time.Time) keyburst.Output { return d.Flush() }))
	}
}

// HookCanvas catches scans typed while no widget on c has focus (Fyne only
// calls the canvas's handlers then). Typing is handed to the handlers c had
// before. The returned func restores them.
func (w *Wedge) HookCanvas(c fyne.Canvas) (unhook func()) {
	prevRune, prevKey := c.OnTypedRune(), c.OnTypedKey()
	f := w.Forwarder(
		func(r rune) {
			if prevRune != nil {
				prevRune(r)
			}
		},
		func(ev *fyne.KeyEvent) {
			if prevKey != nil {
				prevKey(ev)
			}
		})
	c.SetOnTypedRune(f.TypedRune)
	c.SetOnTypedKey(f.TypedKey)
	return func() {
		f.stopTimer()
		f.w.mu.Lock()
		delete(f.w.holding, f)
		f.w.mu.Unlock()
		c.SetOnTypedRune(prevRune)
		c.SetOnTypedKey(prevKey)
	}
}

// Forwarder runs one stream of keystrokes (one widget's, or the canvas's)
// through a detector. typeRune and typeKey receive what a person typed;
// Enter and Tab come back as KeyReturn and KeyTab events. Fyne calls it on
// its own goroutine; it is safe for concurrent use all the same, because
// its timer fires elsewhere and fyne.Do runs inline under the test driver.
type Forwarder struct {
	w        *Wedge
	typeRune func(rune)
	typeKey  func(*fyne.KeyEvent)

	mu   sync.Mutex // guards det and stop
	det  *keyburst.Detector
	stop func() bool
}

// Forwarder returns a forwarder for a custom widget: call its TypedRune and
// TypedKey from the widget's own.
func (w *Wedge) Forwarder(typeRune func(rune), typeKey func(*fyne.KeyEvent)) *Forwarder {
	return &Forwarder{w: w, det: keyburst.New(w.opts.Config), typeRune: typeRune, typeKey: typeKey}
}

// TypedRune takes a character.
func (f *Forwarder) TypedRune(r rune) {
	f.deliver(f.step(func(d *keyburst.Detector, now time.Time) keyburst.Output { return d.Feed(r, now) }))
}

// TypedKey takes a key event. Enter and Tab go to the detector; a key that
// edits (Backspace, arrows, ...) first releases the held characters so it
// acts after them; any other key passes straight on.
func (f *Forwarder) TypedKey(ev *fyne.KeyEvent) {
	switch {
	case ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter:
		f.TypedRune(keyburst.Enter)
	case ev.Name == fyne.KeyTab:
		f.TypedRune(keyburst.Tab)
	case editingKeys[ev.Name]:
		f.deliver(f.step(func(d *keyburst.Detector, _ time.Time) keyburst.Output { return d.Flush() }))
		f.typeKey(ev)
	default:
		// Fyne sends a TypedKey for a printable key too, before its
		// TypedRune; widgets ignore those, so order does not matter.
		f.typeKey(ev)
	}
}

var editingKeys = map[fyne.KeyName]bool{
	fyne.KeyBackspace: true, fyne.KeyDelete: true, fyne.KeyInsert: true, fyne.KeyEscape: true,
	fyne.KeyUp: true, fyne.KeyDown: true, fyne.KeyLeft: true, fyne.KeyRight: true,
	fyne.KeyHome: true, fyne.KeyEnd: true, fyne.KeyPageUp: true, fyne.KeyPageDown: true,
}

// step runs one detector operation and re-arms the timer that settles held
// keys when the keyboard goes quiet, even if no further key ever comes.
// Callbacks run after, outside the lock, so a widget may call back in.
func (f *Forwarder) step(op func(*keyburst.Detector, time.Time) keyburst.Output) keyburst.Output {
	clock := f.w.opts.Clock
	f.mu.Lock()
	defer f.mu.Unlock()
	out := op(f.det, clock.Now())
	f.stopTimerLocked()
	deadline, holding := f.det.Deadline()
	f.w.mu.Lock()
	if holding {
		f.w.holding[f] = true
	} else {
		delete(f.w.holding, f)
	}
	f.w.mu.Unlock()
	if holding {
		// A hair past the deadline: Tick settles only once the gap is exceeded.
		wait := deadline.Sub(clock.Now()) + time.Millisecond
		f.stop = clock.AfterFunc(wait, func() {
			fyne.Do(func() {
				f.deliver(f.step(func(d *keyburst.Detector, now time.Time) keyburst.Output { return d.Tick(now) }))
			})
		})
	}
	return out
}

func (f *Forwarder) stopTimer() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopTimerLocked()
}

func (f *Forwarder) stopTimerLocked() {
	if f.stop != nil {
		f.stop()
		f.stop = nil
	}
}

// deliver hands typing to the widget and a scan to the wedge's callback.
func (f *Forwarder) deliver(out keyburst.Output) {
	if len(out.Pass) == 0 && out.Scan == "" {
		return
	}
	f.w.mu.Lock()
	f.w.delivering[f] = true
	f.w.mu.Unlock()
	defer func() {
		f.w.mu.Lock()
		delete(f.w.delivering, f)
		f.w.mu.Unlock()
	}()
	for _, r := range out.Pass {
		switch r {
		case keyburst.Enter:
			f.typeKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		case keyburst.Tab:
			f.typeKey(&fyne.KeyEvent{Name: fyne.KeyTab})
		default:
			f.typeRune(r)
		}
	}
	if out.Scan != "" && f.w.onScan != nil {
		f.w.onScan(device.Scan{Source: f.w.opts.Source, Raw: out.Scan, At: f.w.opts.Clock.Now()})
	}
}

// Entry is a widget.Entry that also catches scans typed while it has
// focus: they go to the wedge instead of into the text. It accepts Tab so
// that a scanner's Tab suffix reaches it; a person's Tab still moves focus.
type Entry struct {
	widget.Entry
	fwd *Forwarder
}

// NewEntry returns an empty single-line Entry wired to w.
func (w *Wedge) NewEntry() *Entry {
	e := &Entry{}
	e.ExtendBaseWidget(e)
	e.fwd = w.Forwarder(e.Entry.TypedRune, e.passKey)
	return e
}

// TypedRune implements fyne.Focusable.
func (e *Entry) TypedRune(r rune) { e.fwd.TypedRune(r) }

// TypedKey implements fyne.Focusable.
func (e *Entry) TypedKey(ev *fyne.KeyEvent) { e.fwd.TypedKey(ev) }

// AcceptsTab implements fyne.Tabbable.
func (e *Entry) AcceptsTab() bool { return true }

func (e *Entry) passKey(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyTab {
		e.Entry.TypedKey(ev)
		return
	}
	if e.MultiLine {
		e.Entry.TypedRune('\t')
		return
	}
	if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
		c.FocusNext()
	}
}
