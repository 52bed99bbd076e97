package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/label/zpltest"
	"github.com/intakebench/intakebench/printer/printertest"
	"github.com/intakebench/intakebench/ui"
)

// TestReceivingPrintsTheUnitsLabel receives a device in the real app and
// finds its label at a test Zebra; scanning that label then opens the unit.
func TestReceivingPrintsTheUnitsLabel(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the app and runs it under Xvfb")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := startXvfb(t)
	bin := buildApp(t)
	db := filepath.Join(t.TempDir(), "bench.db")
	zebra := printertest.NewZebra(t)
	app := startApp(t, d, bin, "run", "--db", db, "--demo", "100")
	// Set while the app runs: the spool reads the printer at every send.
	out, err := exec.Command(bin, "printer", "set", "--db", db, "--label", zebra.Target()).CombinedOutput()
	require.NoError(t, err, "%s", out)

	app.typeText(demo.Operators()[0].Badge)
	app.keys("Return")
	require.Equal(t, ui.TabReceive, app.await("screen", "").Screen)

	data := demo.Generate(100, 1, time.Now())
	flagged := map[string]bool{}
	for _, f := range data.Flags {
		flagged[f.IMEI] = true
	}
	var want intake.TradeIn
	for _, ti := range data.TradeIns {
		if !flagged[ti.IMEI] && ti.Status.CanBeReceived() {
			want = ti
			break
		}
	}
	app.typeText(want.IMEI)
	app.keys("Return")
	require.Equal(t, intake.OutcomeMatched, app.await("match-shown", "").Outcome)
	app.keys("Return") // Enter on the empty prompt receives the device on the card
	// Keys sent before the grade screen has the focus would land on the
	// receive screen: a slow machine shows the difference.
	app.await("screen", ui.ScreenGrade)

	jobs, err := zebra.WaitJobs(ctx, 1)
	require.NoError(t, err)
	fs, err := zpltest.Parse(jobs[0])
	require.NoError(t, err)
	require.Len(t, fs, 1)
	unitID := fs[0].Barcode
	_, ok, err := intake.ParseUnitID(unitID)
	require.True(t, ok, unitID)
	require.NoError(t, err)
	assert.Contains(t, fs[0].Texts, "IMEI "+want.IMEI)
	assert.Contains(t, fs[0].Texts, "GRADING")
	assert.Contains(t, strings.Join(fs[0].Texts, "\n"), want.Device.Model)

	// Grading takes the screen after a receipt: a flawless device goes to
	// stock, and its label is printed again to say so.
	app.keys("ctrl+f", "ctrl+p", "ctrl+Return")
	graded := app.await("graded", "")
	assert.False(t, graded.Rerouted)
	jobs, err = zebra.WaitJobs(ctx, 2)
	require.NoError(t, err)
	fs, err = zpltest.Parse(jobs[1])
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, unitID, fs[0].Barcode, "the same unit, the same id")
	assert.Contains(t, fs[0].Texts, "STOCK")

	// The label's scan, back at the prompt, opens the unit.
	app.typeText(unitID)
	app.keys("Return")
	ev := app.await("match-shown", "")
	assert.Equal(t, unitID, ev.Scan)
	assert.Equal(t, intake.OutcomeAlreadyReceived, ev.Outcome)
	assert.Equal(t, want.Reference, ev.Reference)
	d.shot(t, "receive-label")
}
