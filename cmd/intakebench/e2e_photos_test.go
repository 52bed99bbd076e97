package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/ui"
)

// TestPhotoRequestLoopAcrossTwoBenches runs one real hub and two real
// benches, each in its own X window. A technician at bench A grades a
// device worse than disclosed; a supervisor at bench B, which never held
// it, asks for more photos from the review queue (Ctrl+M); the technician
// scans the device again at A and is told, opens its grading with Enter
// and confirms it again, and the device waits for the supervisor once
// more. The hub holds every event of both benches.
func TestPhotoRequestLoopAcrossTwoBenches(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds both programs and runs two benches under Xvfb")
	}
	dir := t.TempDir()
	benchBin := buildApp(t)
	hubBin := filepath.Join(dir, "intakehub")
	out, err := exec.Command("go", "build", "-o", hubBin, "../intakehub").CombinedOutput()
	require.NoError(t, err, "%s", out)
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

	start := func(name string) *appWindow {
		code := strings.TrimSpace(runTool(t, hubBin, "enroll-bench", name, "--db", hubDB))
		db := filepath.Join(dir, name, "bench.db")
		runTool(t, benchBin, "enroll", "--hub", hubURL, "--code", code, "--db", db, "--name", name)
		return startApp(t, startXvfb(t), benchBin, "run", "--db", db)
	}
	a, b := start("bench-a"), start("bench-b")

	data := demo.Generate(60, 1, time.Now())
	flagged := map[string]bool{}
	for _, f := range data.Flags {
		flagged[f.IMEI] = true
	}
	i := slices.IndexFunc(data.TradeIns, func(ti intake.TradeIn) bool {
		return !flagged[ti.IMEI] && ti.Status == intake.StatusShipped && ti.Disclosed > intake.ConditionGood
	})
	require.GreaterOrEqual(t, i, 0, "the demo set has a shipped device disclosed excellent or new")
	device := data.TradeIns[i]
	tech, super := demo.Operators()[0], demo.Operators()[2]

	h, err := hub.Open(context.Background(), hubDB, hub.Config{})
	require.NoError(t, err)
	defer h.Close()
	// hubHas waits until the hub has applied the kinds of events a bench made.
	hubHas := func(bench string, want ...intake.EventKind) {
		t.Helper()
		var kinds []string
		require.Eventually(t, func() bool {
			evs, err := h.BenchEvents(context.Background(), bench)
			require.NoError(t, err)
			kinds = kinds[:0]
			for _, e := range evs {
				require.Equal(t, "applied", string(e.Status), "%s event %s %s: %s", bench, e.Kind, e.Key, e.Code)
				kinds = append(kinds, e.Kind)
			}
			return len(kinds) >= len(want)
		}, 60*time.Second, 100*time.Millisecond, "the hub received %s's events", bench)
		wantKinds := make([]string, len(want))
		for i, k := range want {
			wantKinds[i] = string(k)
		}
		assert.Equal(t, wantKinds, kinds, "%s's events on the hub", bench)
	}
	gradeWeakBattery := func() {
		t.Helper()
		a.await("screen", ui.ScreenGrade)
		a.keys("ctrl+f")
		a.keys("ctrl+p")
		a.typeText("70")
		a.keys("Return") // complete, worse than disclosed, no photo: on to why
		a.typeText("camera broken")
		a.keys("ctrl+Return")
		ev := a.await("graded", "")
		assert.Equal(t, device.Reference, ev.Reference)
		assert.True(t, ev.Rerouted, "a weak battery is worse than disclosed %s", device.Disclosed)
	}

	// Bench A: received and rerouted.
	a.scan(tech.Badge)
	a.await("screen", ui.TabReceive)
	a.scan(device.IMEI)
	require.Equal(t, intake.OutcomeMatched, a.await("match-shown", "").Outcome)
	a.keys("Return")
	gradeWeakBattery()
	hubHas("bench-a", intake.EventReceived, intake.EventGraded, intake.EventRerouted)

	// Bench B: the supervisor's queue holds A's device; more photos, please.
	b.scan(super.Badge)
	b.await("screen", ui.TabReview)
	assert.Equal(t, device.Reference, b.await("review-shown", "").Reference, "another bench's reroute is in the queue")
	b.typeText("show the frame") // the reason has the keyboard
	b.keys("ctrl+m")
	assert.Equal(t, string(intake.DecideMorePhotos), b.await("decided", "").Decision)
	hubHas("bench-b", intake.EventPhotosRequested)

	// Bench A: the rescan tells the technician, and Enter opens the grading.
	a.scan(device.IMEI)
	ev := a.await("match-shown", "")
	assert.Equal(t, intake.OutcomeAlreadyReceived, ev.Outcome)
	assert.Equal(t, intake.UnitPhotosRequested, ev.Unit, "the supervisor's request reached the bench holding the device")
	a.keys("Return")
	gradeWeakBattery()
	hubHas("bench-a", intake.EventReceived, intake.EventGraded, intake.EventRerouted, intake.EventGraded, intake.EventRerouted)

	// And the device waits for a supervisor again, at every bench.
	a.scan(device.IMEI)
	ev = a.await("match-shown", "")
	assert.Equal(t, intake.UnitRerouted, ev.Unit)
}
