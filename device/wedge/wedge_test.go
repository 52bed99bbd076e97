package wedge_test

import (
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/wedge"
	"github.com/intakebench/intakebench/internal/clock"
)

const (
	scannerGap = 6 * time.Millisecond
	humanGap   = 150 * time.Millisecond
	imei       = "356938035643809"
)

// fakeClock is the tests' one fake clock, its timers typed as the wedge
// takes them: due timers fire synchronously, in deadline order, as Advance
// passes them.
type fakeClock struct{ *clock.Fake }

func newFakeClock() fakeClock {
	return fakeClock{clock.NewFake(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))}
}

func (c fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	return c.Fake.AfterFunc(d, f).Stop
}

// keyboard types into Fyne the way the GLFW driver does: Enter and Tab as
// key events, everything else as runes, to whatever has focus or else to
// the canvas's handlers.
type keyboard struct {
	t      *testing.T
	canvas fyne.Canvas
	clock  fakeClock
}

func (k keyboard) typeAt(gap time.Duration, keys string) {
	for _, r := range keys {
		k.clock.Advance(gap)
		switch r {
		case '\n':
			k.key(fyne.KeyReturn)
		case '\t':
			k.key(fyne.KeyTab)
		default:
			if f := k.canvas.Focused(); f != nil {
				test.Type(f, string(r))
			} else {
				test.TypeOnCanvas(k.canvas, string(r))
			}
		}
	}
}

func (k keyboard) key(name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := k.canvas.Focused(); f != nil {
		f.TypedKey(ev)
	} else {
		k.canvas.OnTypedKey()(ev)
	}
}

// quiet lets the keyboard rest long enough for held keys to settle.
func (k keyboard) quiet() { k.clock.Advance(time.Second) }

type scans struct {
	mu  sync.Mutex
	got []device.Scan
}

func (s *scans) add(sc device.Scan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, sc)
}

func (s *scans) raws() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, sc := range s.got {
		out = append(out, sc.Raw)
	}
	return out
}

func TestWindowLevelHook(t *testing.T) {
	test.NewTempApp(t)
	clock := newFakeClock()
	win := test.NewWindow(widget.NewLabel("scan a device"))
	defer win.Close()
	c := win.Canvas()

	// The app's own window-level shortcuts keep working for typed keys.
	var typed []rune
	var keys []fyne.KeyName
	c.SetOnTypedRune(func(r rune) { typed = append(typed, r) })
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) { keys = append(keys, ev.Name) })

	var got scans
	w := wedge.New(got.add, wedge.Options{Clock: clock})
	unhook := w.HookCanvas(c)
	kb := keyboard{t: t, canvas: c, clock: clock}

	kb.typeAt(humanGap, "r")
	kb.quiet()
	kb.typeAt(humanGap, "3")
	kb.typeAt(scannerGap, imei[1:]+"\n")
	kb.quiet()

	assert.Equal(t, []string{imei}, got.raws())
	assert.Equal(t, "wedge", got.got[0].Source)
	assert.Equal(t, clock.Now().Add(-time.Second), got.got[0].At)
	assert.Equal(t, "r", string(typed), "the person's key reached the window")
	assert.Empty(t, keys, "the scanner's Enter was consumed")

	unhook()
	kb.typeAt(scannerGap, "4006381333931\n")
	assert.Len(t, got.got, 1, "unhooked")
	assert.Equal(t, "r4006381333931", string(typed))
	assert.Equal(t, []fyne.KeyName{fyne.KeyReturn}, keys)
}

func TestEntry(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name      string
		type_     func(kb keyboard)
		wantText  string
		submitted []string
		scans     []string
	}{
		{
			name:      "person types an IMEI and presses Enter",
			type_:     func(kb keyboard) { kb.typeAt(humanGap, imei+"\n") },
			wantText:  imei,
			submitted: []string{imei},
		},
		{
			name:  "scanner types an IMEI with Enter",
			type_: func(kb keyboard) { kb.typeAt(scannerGap, imei+"\n") },
			scans: []string{imei},
		},
		{
			name:  "scanner with a Tab suffix does not move focus",
			type_: func(kb keyboard) { kb.typeAt(scannerGap, "SN-F2LXK0AB\t") },
			scans: []string{"SN-F2LXK0AB"},
		},
		{
			name: "typing around a scan",
			type_: func(kb keyboard) {
				kb.typeAt(humanGap, "A1")
				kb.typeAt(humanGap, "4")
				kb.typeAt(scannerGap, "006381333931\n")
				kb.typeAt(humanGap, "B")
			},
			wantText: "A1B",
			scans:    []string{"4006381333931"},
		},
		{
			name: "backspace acts after the held key",
			type_: func(kb keyboard) {
				kb.typeAt(humanGap, "12")
				kb.clock.Advance(5 * time.Millisecond) // quicker than the gap: '2' is still held
				kb.key(fyne.KeyBackspace)
				kb.typeAt(humanGap, "3\n")
			},
			wantText:  "13",
			submitted: []string{"13"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			var got scans
			w := wedge.New(got.add, wedge.Options{Clock: clock})
			entry := w.NewEntry()
			var submitted []string
			entry.OnSubmitted = func(s string) { submitted = append(submitted, s) }
			other := widget.NewEntry()
			win := test.NewWindow(container.NewVBox(entry, other))
			defer win.Close()
			win.Canvas().Focus(entry)

			kb := keyboard{t: t, canvas: win.Canvas(), clock: clock}
			tt.type_(kb)
			kb.quiet()

			assert.Equal(t, tt.wantText, entry.Text)
			assert.Equal(t, tt.submitted, submitted)
			assert.Equal(t, tt.scans, got.raws())
			assert.Same(t, entry, win.Canvas().Focused(), "focus stays on the entry")
		})
	}
}

func TestEntryPersonTabMovesFocus(t *testing.T) {
	test.NewTempApp(t)
	clock := newFakeClock()
	w := wedge.New(nil, wedge.Options{Clock: clock})
	entry := w.NewEntry()
	other := widget.NewEntry()
	win := test.NewWindow(container.NewVBox(entry, other))
	defer win.Close()
	win.Canvas().Focus(entry)

	kb := keyboard{t: t, canvas: win.Canvas(), clock: clock}
	kb.typeAt(humanGap, "ab\t")
	kb.quiet()
	require.Equal(t, "ab", entry.Text)
	assert.Same(t, other, win.Canvas().Focused())
}

func TestEntryWithRealClock(t *testing.T) {
	test.NewTempApp(t)
	var got scans
	w := wedge.New(got.add, wedge.Options{})
	entry := w.NewEntry()
	win := test.NewWindow(entry)
	defer win.Close()
	win.Canvas().Focus(entry)

	// The test driver runs fyne.Do on the timer's goroutine, so the text is
	// observed through OnChanged rather than read across goroutines.
	changed := make(chan string, 1)
	entry.OnChanged = func(s string) { changed <- s }

	// A person's single key, then silence: the real timer must hand it on.
	entry.TypedRune('7')
	select {
	case text := <-changed:
		assert.Equal(t, "7", text)
	case <-time.After(5 * time.Second):
		t.Fatal("the held key never reached the entry")
	}
	assert.Empty(t, got.raws())
}

// promptEntry is a scan prompt as the bench has one: it takes a scan as
// typing and Enter, after whatever the wedge still holds back.
type promptEntry struct {
	widget.Entry
	w *wedge.Wedge
}

func newPromptEntry(w *wedge.Wedge) *promptEntry {
	e := &promptEntry{w: w}
	e.ExtendBaseWidget(e)
	return e
}

func (e *promptEntry) TypedRune(r rune) {
	e.w.Release()
	e.Entry.TypedRune(r)
}

func (e *promptEntry) TypedKey(ev *fyne.KeyEvent) {
	e.w.Release()
	e.Entry.TypedKey(ev)
}

// lateClock is a busy bench's: a timer that falls due waits behind the
// keys queued before it (Fyne's event queue) until runDue.
type lateClock struct {
	fakeClock
	due []func()
}

func (c *lateClock) AfterFunc(d time.Duration, f func()) func() bool {
	return c.fakeClock.AfterFunc(d, func() { c.due = append(c.due, f) })
}

func (c *lateClock) runDue() {
	for len(c.due) > 0 {
		f := c.due[0]
		c.due = c.due[1:]
		f()
	}
}

// A busy bench handled a scan's second key 50 ms after its first, so the
// canvas's detector let the first go as typing, which took the keyboard
// to the scan prompt, and held the second as the start of a new burst.
// The rest of the scan went straight to the prompt: the held key must
// join it in its place, not after the Enter (a digit lost from the scan,
// and one left in the prompt).
func TestAKeyHeldWhenTheFocusMovesKeepsItsPlace(t *testing.T) {
	test.NewTempApp(t)
	clk := &lateClock{fakeClock: newFakeClock()}
	var sc scans
	w := wedge.New(sc.add, wedge.Options{Clock: clk})
	prompt := newPromptEntry(w)
	var submitted []string
	prompt.OnSubmitted = func(text string) {
		submitted = append(submitted, text)
		prompt.SetText("")
	}
	win := test.NewTempWindow(t, container.NewVBox(prompt))
	c := win.Canvas()
	// As the bench's shell does: typing that reaches no widget goes to the
	// scan prompt.
	c.SetOnTypedRune(func(r rune) {
		c.Focus(prompt)
		c.Focused().TypedRune(r)
	})
	w.HookCanvas(c)
	k := keyboard{t: t, canvas: c, clock: clk.fakeClock}

	k.typeAt(scannerGap, imei[:1])
	k.typeAt(50*time.Millisecond, imei[1:2])
	require.Equal(t, prompt, c.Focused(), "the first key took the keyboard to the prompt")
	k.typeAt(scannerGap, imei[2:]+"\n")
	clk.runDue()
	k.quiet()
	clk.runDue()
	assert.Equal(t, []string{imei}, submitted, "the scan whole, in order")
	assert.Empty(t, prompt.Text, "nothing left behind")
	assert.Empty(t, sc.raws())
}
