package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
	"github.com/intakebench/intakebench/ui"
)

// TestScansAndButtonsInRealWindow runs the real app in a real X window on
// the two screens a bench has: 1024×768 with the app's own window, and
// 1280×800 in kiosk mode. A technician logs in after a supervisor who left
// the bench on Settings and scans; scans from every tab reach Receive; a
// scan while grading asks before anything is lost; a supervisor reviews a
// rerouted device with a photo. On every screen on the way, each main
// button is wholly on screen, by where the app laid it out.
func TestScansAndButtonsInRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the app and runs it under Xvfb")
	}
	bin := buildApp(t)
	const tradeIns = 60
	data := demo.Generate(tradeIns, 1, time.Now())
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
	require.GreaterOrEqual(t, len(devices), 6, "the demo set has shipped devices disclosed excellent or new")
	tech, super := demo.Operators()[0], demo.Operators()[2]

	for i, tt := range []struct {
		screen string
		kiosk  bool
	}{{"1024x768", false}, {"1280x800", true}} {
		t.Run(tt.screen, func(t *testing.T) {
			width, height := screenSize(t, tt.screen)
			d := startXvfbSized(t, tt.screen)
			db := filepath.Join(t.TempDir(), "bench.db")
			args := []string{"run", "--db", db, "--demo", strconv.Itoa(tradeIns)}
			if tt.kiosk {
				args = append(args, "--kiosk")
			}
			first, graded, rerouted := devices[3*i], devices[3*i+1], devices[3*i+2]
			app := startApp(t, d, bin, args...)
			inReach := func(screen string, want ...string) {
				t.Helper()
				ev := awaitActions(t, app, screen, want)
				require.NotNil(t, ev.Canvas)
				assert.LessOrEqual(t, ev.Canvas.Width, float32(width), "%s: the window is no wider than the screen", screen)
				assert.LessOrEqual(t, ev.Canvas.Height, float32(height), "%s: nor taller", screen)
				for _, a := range ev.Actions {
					assert.True(t, a.OnScreen, "%s: %q at %v, %v", screen, a.Label, a.Position, a.Size)
				}
			}
			inReach(ui.ScreenLogin, "Log in")
			d.shot(t, "reach-"+tt.screen+"-login")

			// A supervisor left the bench on Settings, then locked it.
			app.scan(super.Badge)
			app.await("screen", ui.TabReview)
			app.keys("ctrl+5")
			app.await("screen", ui.TabSettings)
			inReach(ui.TabSettings, "Enroll this bench")
			app.keys("ctrl+l")
			app.await("screen", ui.ScreenLogin)

			// The technician's login starts on Receive, and the first scan
			// is matched there.
			app.scan(tech.Badge)
			app.await("screen", ui.TabReceive)
			app.scan(first.IMEI)
			assert.Equal(t, first.IMEI, app.await("match-shown", "").Scan)

			// A scan from any tab is taken to Receive.
			for _, tab := range []struct{ key, name string }{{"ctrl+4", ui.TabStats}, {"ctrl+5", ui.TabSettings}} {
				app.keys(tab.key)
				app.await("screen", tab.name)
				app.scan(graded.IMEI)
				app.await("screen", ui.TabReceive)
				ev := app.await("match-shown", "")
				assert.Equal(t, graded.IMEI, ev.Scan, "a scan on %s", tab.name)
				assert.Equal(t, intake.OutcomeMatched, ev.Outcome)
			}
			inReach(ui.TabReceive, "Receive (Enter)")

			// Received, it goes to grading; a scan meanwhile asks first.
			app.keys("Return")
			app.await("screen", ui.ScreenGrade)
			inReach(ui.ScreenGrade, "Back to scanning", "Confirm grading (Ctrl+Enter)")
			d.shot(t, "reach-"+tt.screen+"-grade")
			app.scan(first.IMEI)
			app.await("screen", ui.ScreenGradeAsking)
			inReach(ui.ScreenGradeAsking, "Leave it received, look up the scan", "Finish grading first")
			app.keys("space") // the safe answer has the keyboard: keep grading
			app.await("screen", ui.ScreenGrade)
			app.keys("ctrl+f", "ctrl+p")
			app.typeText("95")
			app.keys("ctrl+Return")
			ev := app.await("graded", "")
			assert.Equal(t, graded.Reference, ev.Reference, "the device graded is the one received, the scan changed nothing")
			app.stop()

			// A device rerouted with a photo, as a bench records it.
			reroute(t, db, rerouted)
			app = startApp(t, d, bin, args...)
			app.scan(super.Badge)
			app.await("screen", ui.TabReview) // the queue shows its oldest unit at once
			inReach(ui.TabReview, "Confirm decline — return to customer", "Send counter-offer",
				"Override — pay the original offer", "Ask for more photos")
			d.shot(t, "reach-"+tt.screen+"-review")
		})
	}
}

// awaitActions waits for the report of screen's main buttons holding the
// labels want (a screen may report before a load fills it).
func awaitActions(t *testing.T, app *appWindow, screen string, want []string) appEvent {
	t.Helper()
	for {
		ev := app.await("actions", screen)
		var got []string
		for _, a := range ev.Actions {
			got = append(got, a.Label)
		}
		if containsAll(got, want) {
			return ev
		}
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

func screenSize(t *testing.T, size string) (int, int) {
	t.Helper()
	w, h, ok := strings.Cut(size, "x")
	require.True(t, ok)
	wi, err := strconv.Atoi(w)
	require.NoError(t, err)
	hi, err := strconv.Atoi(h)
	require.NoError(t, err)
	return wi, hi
}

// reroute receives ti at the bench whose store is db, photographs its
// cracked screen and grades it: worse than disclosed, it waits for a
// supervisor. The app is not running.
func reroute(t *testing.T, db string, ti intake.TradeIn) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	require.NoError(t, err)
	defer s.Close()
	// The app's own event keys: the outbox goes to the hub as any other.
	b := intake.NewBench(s, "e2e", time.Now, newKey)
	op := intake.Operator{ID: "op-tech-1", Name: "Tess Tech", Role: intake.RoleTechnician}
	_, err = b.Receive(ctx, op, ti.IMEI)
	require.NoError(t, err)
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x*48/64, color.NRGBA{R: 255, A: 255})
	}
	var photo bytes.Buffer
	require.NoError(t, png.Encode(&photo, img))
	_, err = b.AddPhoto(ctx, op, ti.ID, "front", photo.Bytes())
	require.NoError(t, err)
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	in.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	g, err := b.RecordGrading(ctx, op, ti.ID, in)
	require.NoError(t, err)
	require.True(t, g.Decision.Reroute)
}
