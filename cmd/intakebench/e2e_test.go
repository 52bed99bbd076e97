package main

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/ui"
)

// display is a private X server for one test.
type display struct{ name string }

func startXvfb(t testing.TB) display {
	t.Helper()
	return startXvfbSized(t, "1280x800")
}

// startXvfbSized starts an X server whose screen is size, e.g. "1024x768".
// Xvfb picks a free display number itself (-displayfd): it knows a lock
// file left by a killed server from one in use, where a look at
// /tmp/.X11-unix does not. It is stopped with SIGTERM, so it removes its
// socket and lock file.
func startXvfbSized(t testing.TB, size string) display {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs it): %v", tool, err)
		}
	}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", size+"x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w} // fd 3
	require.NoError(t, cmd.Start())
	w.Close()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		require.NotEmpty(t, n, "Xvfb wrote no display number")
		return display{name: ":" + n}
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start within 20 s")
	}
	return display{}
}

func (d display) run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v: %s", name, args, out)
	return string(out)
}

// share is the fraction of the screen painted exactly in c.
func (d display) share(t *testing.T, c color.NRGBA) float64 {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	d.run(t, "import", "-window", "root", shot)
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.NRGBAModel.Convert(img.At(x, y)) == c {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// shot saves a screenshot as name.png in $INTAKEBENCH_SHOTS, when set: how
// the README's pictures are made (make shots).
func (d display) shot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("INTAKEBENCH_SHOTS")
	if dir == "" {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	// The app reports a screen when it sets it; Fyne paints it with a
	// later frame. A picture is no assertion: half a second is plenty.
	time.Sleep(500 * time.Millisecond)
	d.run(t, "import", "-window", "root", filepath.Join(dir, name+".png"))
}

// appWindow is the real app running in a real X window.
type appWindow struct {
	d         display
	t         testing.TB
	window    string // its X window id
	await     func(kind, screen string) appEvent
	pid       int
	startedAt time.Time
	readyAt   time.Time // when it reported ready
	stop      func()    // ends the app and waits for it
}

// startApp runs the app (args after the binary, --events added) on d and
// returns once its window is ready. It is killed when the test ends.
func startApp(t testing.TB, d display, bin string, args ...string) *appWindow {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app := exec.CommandContext(ctx, bin, append(args, "--events")...)
	app.Env = append(os.Environ(), "DISPLAY="+d.name, "LANG=en_US.UTF-8")
	stdout, err := app.StdoutPipe()
	require.NoError(t, err)
	app.Stderr = os.Stderr
	a := &appWindow{d: d, t: t, startedAt: time.Now()}
	require.NoError(t, app.Start())
	var once sync.Once
	a.stop = func() { once.Do(func() { app.Process.Signal(syscall.SIGTERM); app.Wait(); cancel() }) }
	t.Cleanup(a.stop)
	a.pid, a.await = app.Process.Pid, eventWaiter(t, stdout)
	a.await("ready", "")
	a.readyAt = time.Now()
	a.window = firstLine(d.run(t, "xdotool", "search", "--sync", "--name", "^Intake Bench$"))
	return a
}

// keys presses keys in the window, e.g. "Return" or "ctrl+l".
func (a *appWindow) keys(k ...string) {
	a.t.Helper()
	a.d.run(a.t, "xdotool", append([]string{"key", "--window", a.window}, k...)...)
}

// typeText types s at scanner speed: 8 ms between keys.
func (a *appWindow) typeText(s string) {
	a.t.Helper()
	a.typeAt(s, 8*time.Millisecond)
}

// typeAt types s with delay between keys.
func (a *appWindow) typeAt(s string, delay time.Duration) {
	a.t.Helper()
	a.d.run(a.t, "xdotool", "type", "--window", a.window, "--delay", fmt.Sprint(delay.Milliseconds()), s)
}

// scan sends s and Enter at scanner speed, in one xdotool run, as a
// keyboard-wedge scanner sends a code and its Enter suffix, with no pause
// between them a scanner would not make. (xdotool type takes every
// argument after it as text, so the keys go as key names.)
func (a *appWindow) scan(s string) {
	a.t.Helper()
	args := []string{"key", "--window", a.window, "--delay", "8"}
	for _, r := range s {
		switch {
		case r == '-':
			args = append(args, "minus")
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
			args = append(args, string(r))
		default:
			a.t.Fatalf("scan: no key name for %q", r)
		}
	}
	a.d.run(a.t, "xdotool", append(args, "Return")...)
}

func buildApp(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "intakebench")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestAppShowsTypedScanInRealWindow runs the real app in a real X window
// and types IMEIs at scanner speed with xdotool, as a keyboard-wedge scanner
// would.
func TestAppShowsTypedScanInRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the app and runs it under Xvfb")
	}
	d := startXvfb(t)
	bin := buildApp(t)
	db := filepath.Join(t.TempDir(), "bench.db")
	// Kiosk mode fills the 1280×800 screen: the README's pictures.
	app := startApp(t, d, bin, "run", "--db", db, "--demo", "100", "--kiosk")
	await := app.await
	d.shot(t, "login")

	// The technician logs in with a badge scan: the badge field has focus.
	tech := demo.Operators()[0]
	app.typeText(tech.Badge)
	app.keys("Return")
	assert.Equal(t, ui.TabReceive, await("screen", "").Screen, "after the badge scan the receive screen shows")

	data := demo.Generate(100, 1, time.Now())
	flagged := map[string]bool{}
	for _, f := range data.Flags {
		flagged[f.IMEI] = true
	}
	var want intake.TradeIn
	for _, ti := range data.TradeIns {
		if !flagged[ti.IMEI] {
			want = ti
			break
		}
	}
	tests := []struct {
		scan    string
		outcome intake.Outcome
		colour  color.NRGBA
	}{
		{want.IMEI, intake.OutcomeMatched, ui.OutcomeColour(intake.OutcomeMatched)},
		{"358240051111110", intake.OutcomeUnknown, ui.OutcomeColour(intake.OutcomeUnknown)},
	}
	for _, tt := range tests {
		// 8 ms between keys: scanner speed.
		app.typeText(tt.scan)
		app.keys("Return")
		ev := await("match-shown", "")
		assert.Equal(t, tt.outcome, ev.Outcome, tt.scan)
		assert.Equal(t, tt.scan, ev.Scan, "every keystroke arrived")
		if tt.outcome == intake.OutcomeMatched {
			assert.Equal(t, want.Reference, ev.Reference)
		}
		// The match card is painted in the outcome's colour, big enough to
		// see from across the bench: at least 2% of the screen. The event
		// comes when the card is set, the paint with the next frame.
		painted := 0.0
		for deadline := time.Now().Add(5 * time.Second); painted <= 0.02 && time.Now().Before(deadline); {
			painted = d.share(t, tt.colour)
		}
		assert.Greater(t, painted, 0.02, tt.scan)
		d.shot(t, "receive-"+string(tt.outcome))
	}
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
