package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/device/serialscan/serialtest"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/ui"
)

// TestBenchWithHubEndToEnd runs a real intakehub on loopback and the real
// app in a real X window, enrolled with it. A technician logs in with a
// badge scan and takes two devices through the whole flow: one typed at
// scanner speed (keyboard wedge) and graded clean, one sent through a serial
// scanner (a socat pseudo-terminal pair) and graded with a weak battery, so
// it is worse than disclosed and rerouted. A supervisor then sends a
// counter-offer from the review queue. The hub ends up with every event.
func TestBenchWithHubEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds both programs and runs them under Xvfb")
	}
	d := startXvfb(t)
	dir := t.TempDir()
	bench := buildApp(t)
	hubBin := filepath.Join(dir, "intakehub")
	out, err := exec.Command("go", "build", "-o", hubBin, "../intakehub").CombinedOutput()
	require.NoError(t, err, "%s", out)

	// The hub: seeded, serving on a free loopback port.
	hubDB := filepath.Join(dir, "hub.db")
	runTool(t, hubBin, "seed", "--db", hubDB, "--demo", "--tradeins", "60")
	addr := freeAddr(t)
	serve := exec.Command(hubBin, "serve", "--db", hubDB, "--addr", addr)
	serve.Stderr = os.Stderr
	require.NoError(t, serve.Start())
	t.Cleanup(func() { serve.Process.Signal(syscall.SIGTERM); serve.Wait() })
	hubURL := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(hubURL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond, "the hub serves")

	// The bench enrolls with a one-time code, as an administrator would.
	const benchName = "e2e-bench"
	code := strings.TrimSpace(runTool(t, hubBin, "enroll-bench", benchName, "--db", hubDB))
	benchDB := filepath.Join(dir, "bench", "bench.db")
	runTool(t, bench, "enroll", "--hub", hubURL, "--code", code, "--db", benchDB, "--name", benchName)

	// A serial scanner on a pseudo-terminal pair.
	scanner := serialtest.New(t, dir, "scanner")

	// Kiosk mode fills the 1280×800 screen: the README's pictures.
	app := startApp(t, d, bench, "run", "--db", benchDB, "--scanner", scanner.A, "--kiosk")
	await, keys, typeText := app.await, app.keys, app.typeText

	// Two shipped devices of the demo set, not flagged, disclosed better
	// than good (so a weak battery makes one worse than disclosed).
	data := demo.Generate(60, 1, time.Now())
	flagged := map[string]bool{}
	for _, f := range data.Flags {
		flagged[f.IMEI] = true
	}
	var devices []intake.TradeIn
	for _, ti := range data.TradeIns {
		if !flagged[ti.IMEI] && ti.Status == intake.StatusShipped && ti.Disclosed > intake.ConditionGood {
			devices = append(devices, ti)
		}
	}
	require.GreaterOrEqual(t, len(devices), 2, "the demo set has shipped devices disclosed excellent or new")
	clean, damaged := devices[0], devices[1]

	typeText(demo.Operators()[0].Badge) // the technician's badge, typed as a wedge scanner would
	keys("Return")
	await("screen", ui.TabReceive)

	// Device 1: keyboard wedge, graded clean from the keyboard.
	typeText(clean.IMEI)
	keys("Return")
	ev := await("match-shown", "")
	assert.Equal(t, intake.OutcomeMatched, ev.Outcome)
	assert.Equal(t, clean.Reference, ev.Reference)
	keys("Return") // Receive
	gradeFromKeyboard(t, app, "95")
	ev = await("graded", "")
	assert.Equal(t, clean.Reference, ev.Reference)
	assert.False(t, ev.Rerouted, "graded as disclosed or better")
	d.shot(t, "hub-graded")

	// Device 2: the serial scanner, graded with a weak battery.
	scanner.Write(damaged.IMEI + "\r")
	ev = await("match-shown", "")
	assert.Equal(t, damaged.IMEI, ev.Scan, "the serial scan arrived whole")
	assert.Equal(t, damaged.Reference, ev.Reference)
	keys("Return")
	app.await("screen", ui.ScreenGrade)
	keys("ctrl+f")
	keys("ctrl+p")
	typeText("70")
	keys("Return") // complete but worse than disclosed, with no photo: on to why
	typeText("camera broken")
	d.shot(t, "grade")
	keys("ctrl+Return")
	ev = await("graded", "")
	assert.Equal(t, damaged.Reference, ev.Reference)
	assert.True(t, ev.Rerouted, "a weak battery is worse than disclosed %s", damaged.Disclosed)

	// The supervisor takes over the bench and sends a counter-offer.
	keys("ctrl+l")
	await("screen", ui.ScreenLogin)
	typeText(demo.Operators()[2].Badge)
	keys("Return")
	await("screen", ui.TabReview) // a supervisor's login starts on the review queue
	assert.Equal(t, damaged.Reference, await("review-shown", "").Reference, "the rerouted device waits for the supervisor")
	d.shot(t, "review")
	keys("ctrl+o") // counter-offer at the graded price: the first press asks
	keys("ctrl+o") // the second sends it
	await("decided", "")
	keys("ctrl+4")
	await("screen", ui.TabStats)
	d.shot(t, "stats")
	keys("ctrl+2")
	await("screen", ui.TabWalkIn)
	d.shot(t, "walkin")

	// The hub holds every event the bench made, applied.
	h, err := hub.Open(context.Background(), hubDB, hub.Config{})
	require.NoError(t, err)
	defer h.Close()
	want := []string{string(intake.EventReceived), string(intake.EventGraded), string(intake.EventReceived),
		string(intake.EventGraded), string(intake.EventRerouted), string(intake.EventCounterOffer)}
	var kinds []string
	require.Eventually(t, func() bool {
		evs, err := h.BenchEvents(context.Background(), benchName)
		require.NoError(t, err)
		kinds = kinds[:0]
		for _, e := range evs {
			require.Equal(t, "applied", string(e.Status), "event %s %s: %s", e.Kind, e.Key, e.Code)
			kinds = append(kinds, e.Kind)
		}
		return len(kinds) >= len(want)
	}, 60*time.Second, 100*time.Millisecond, "the hub received the bench's events")
	assert.ElementsMatch(t, want, kinds)
	for _, ti := range []intake.TradeIn{clean, damaged} {
		r, ok, err := h.Receipt(context.Background(), ti.ID)
		require.NoError(t, err)
		require.True(t, ok, "the hub knows %s was received", ti.Reference)
		assert.Equal(t, benchName, r.Bench)
	}
}

// gradeFromKeyboard waits for the grade screen and grades the device: every
// zone flawless, every check passed, the battery health, confirm.
func gradeFromKeyboard(t *testing.T, app *appWindow, battery string) {
	t.Helper()
	keys, typeText := app.keys, app.typeText
	app.await("screen", ui.ScreenGrade)
	keys("ctrl+f")
	keys("ctrl+p")
	typeText(battery)
	keys("ctrl+Return")
}

func runTool(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %v: %s", filepath.Base(bin), args, stderr.String())
	return string(out)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// eventWaiter reads the app's --events lines; the function it returns
// waits for the next event of a kind (and screen or step, when given),
// skipping the others.
func eventWaiter(t testing.TB, stdout io.Reader) func(kind, screen string) appEvent {
	events := make(chan appEvent, 64)
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
	return func(kind, screen string) appEvent {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				require.True(t, ok, "the app exited")
				if ev.Event == kind && (screen == "" || ev.Screen == screen || ev.Step == screen) {
					return ev
				}
			case <-timeout:
				t.Fatal(fmt.Sprintf("no %s %s event within 30 s", kind, screen))
			}
		}
	}
}
