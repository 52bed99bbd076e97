package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
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

func startXvfb(t *testing.T) display {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs it): %v", tool, err)
		}
	}
	for n := 90 + os.Getpid()%50; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		name := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", name, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return display{name: name}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("Xvfb %s did not start", name)
	}
	t.Fatal("no free X display number")
	return display{}
}

func (d display) run(t *testing.T, name string, args ...string) string {
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
	d.run(t, "import", "-window", "root", filepath.Join(dir, name+".png"))
}

func buildApp(t *testing.T) string {
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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	app := exec.CommandContext(ctx, bin, "run", "--db", db, "--demo", "100", "--events")
	app.Env = append(os.Environ(), "DISPLAY="+d.name, "LANG=en_US.UTF-8", "INTAKEBENCH_NAME=e2e-bench")
	stdout, err := app.StdoutPipe()
	require.NoError(t, err)
	app.Stderr = os.Stderr
	require.NoError(t, app.Start())
	t.Cleanup(func() { app.Process.Kill(); app.Wait() })

	events := make(chan appEvent, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var ev appEvent
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				events <- ev
			}
		}
		close(events)
	}()
	// await skips to the next event of kind, screen changes aside.
	await := func(kind string) appEvent {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				require.True(t, ok, "the app exited")
				if ev.Event == kind {
					return ev
				}
			case <-timeout:
				t.Fatalf("no %s event within 30 s", kind)
			}
		}
	}
	await("ready")
	window := d.run(t, "xdotool", "search", "--sync", "--name", "^Intake Bench$")
	window = firstLine(window)
	d.shot(t, "login")

	// The technician logs in with a badge scan: the badge field has focus.
	tech := demo.Operators()[0]
	d.run(t, "xdotool", "type", "--window", window, "--delay", "8", tech.Badge)
	d.run(t, "xdotool", "key", "--window", window, "Return")
	assert.Equal(t, ui.TabReceive, await("screen").Screen, "after the badge scan the receive screen shows")

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
		d.run(t, "xdotool", "type", "--window", window, "--delay", "8", tt.scan)
		d.run(t, "xdotool", "key", "--window", window, "Return")
		ev := await("match-shown")
		assert.Equal(t, tt.outcome, ev.Outcome, tt.scan)
		assert.Equal(t, tt.scan, ev.Scan, "every keystroke arrived")
		if tt.outcome == intake.OutcomeMatched {
			assert.Equal(t, want.Reference, ev.Reference)
		}
		// The match card is painted in the outcome's colour, big enough to
		// see from across the bench: at least 2% of the screen.
		assert.Greater(t, d.share(t, tt.colour), 0.02, tt.scan)
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
