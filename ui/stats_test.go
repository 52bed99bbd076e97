package ui

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// shiftOfTess is a day at the bench until 11:30: Tess received 14 of the
// bench's 40 devices, Carl some of the rest.
func shiftOfTess() intake.ShiftStats {
	start := time.Date(2026, 11, 24, 0, 0, 0, 0, time.Local)
	hours := func(counts ...[3]int) []intake.HourStats {
		out := make([]intake.HourStats, 12) // 00:00 to 11:00, nothing before 09:00
		for i := range out {
			out[i].Start = start.Add(time.Duration(i) * time.Hour)
		}
		for i, c := range counts {
			out[9+i].Received, out[9+i].Graded, out[9+i].Rerouted = c[0], c[1], c[2]
		}
		return out
	}
	return intake.ShiftStats{
		Since:   start,
		Figures: intake.Figures{Hours: hours([3]int{12, 10, 1}, [3]int{20, 18, 3}, [3]int{8, 4, 0}), PerDevice: 2*time.Minute + 10*time.Second},
		People: []intake.PersonStats{
			{Operator: "op-clerk", Figures: intake.Figures{Hours: hours([3]int{7, 5, 0}, [3]int{13, 11, 3}, [3]int{6, 4, 0}), PerDevice: 90 * time.Second}},
			{Operator: "op-tech", Figures: intake.Figures{Hours: hours([3]int{5, 5, 1}, [3]int{7, 7, 0}, [3]int{2, 0, 0}), PerDevice: 3*time.Minute + 5*time.Second}},
		},
	}
}

func TestStatsScreenShowsThePersonAndTheBench(t *testing.T) {
	test.NewTempApp(t)
	post, until := settling(t)
	clock := newFakeClock(time.Date(2026, 11, 24, 11, 30, 0, 0, time.Local))
	var asked time.Time
	s := NewStatsScreen(Env{Session: session{tech}, Clock: clock, post: post}, statsFunc(func(_ context.Context, since time.Time) (intake.ShiftStats, error) {
		asked = since
		return shiftOfTess(), nil
	}))
	w := test.NewTempWindow(t, s.Content())
	until("the figures", func() bool { return s.Figures()[0][1] != "" })
	assert.Equal(t, time.Date(2026, 11, 24, 0, 0, 0, 0, time.Local), asked, "the shift is today")
	assert.Equal(t, [][]string{
		{"You — Tess", "14", "4.7", "8.3% (1 of 12 graded)", "3 min 05 s"},
		{"Whole bench", "40", "13.3", "12.5% (4 of 32 graded)", "2 min 10 s"},
	}, s.Figures())

	// The chart starts at 09:00, the first hour with a receipt, and shows
	// Tess's bar beside the bench's in each hour.
	assert.Len(t, s.chart.content.Objects, 3*7, "per hour: two bars of a bar, a damaged part and a count; and the hour")
	s.chart.Layout(s.chart.content.Objects, w.Canvas().Size().Max(s.chart.MinSize(nil)))
	bar := func(hour, which int) fyne.CanvasObject {
		return s.chart.content.Objects[hour*7+which*barObjects+barTotal]
	}
	text := func(i int) string { return s.chart.content.Objects[i].(*canvas.Text).Text }
	assert.Equal(t, []string{"5", "12", "09h", "7", "20", "10h", "2", "8", "11h"},
		[]string{text(2), text(5), text(6), text(9), text(12), text(13), text(16), text(19), text(20)})
	assert.InDelta(t, 7.0/20.0, bar(1, 0).Size().Height/bar(1, 1).Size().Height, 0.01, "Tess's bar is her part of the bench's")
	assert.InDelta(t, 8.0/20.0, bar(2, 1).Size().Height/bar(1, 1).Size().Height, 0.01, "bars scale with the count")
	assert.Less(t, bar(0, 0).Position().X, bar(0, 1).Position().X, "Tess's bar, then the bench's")
}

func TestStatsScreenIsTheLoggedInPersons(t *testing.T) {
	test.NewTempApp(t)
	post, until := settling(t)
	names := map[string]string{"op-tech": "Tess", "op-clerk": "Carl"}
	s := NewStatsScreen(Env{Session: session{tech}, post: post, OperatorName: func(id string) string { return names[id] }},
		statsFunc(func(context.Context, time.Time) (intake.ShiftStats, error) { return shiftOfTess(), nil }))
	test.NewTempWindow(t, s.Content())
	until("Tess's figures", func() bool { return s.Figures()[0][1] == "14" })

	s.ShowFor(clerk)
	assert.Equal(t, [][]string{{"You — Carl", "", "", "", ""}, {"Whole bench", "", "", "", ""}}, s.Figures(),
		"nothing of Tess's shows as Carl's while his figures load")
	s.Reload()
	until("Carl's figures", func() bool { return s.Figures()[0][1] != "" })
	assert.Equal(t, []string{"You — Carl", "26", "8.7", "15.0% (3 of 20 graded)", "1 min 30 s"}, s.Figures()[0])

	s.ShowFor(supervisor)
	s.Reload()
	until("Sam's figures", func() bool { return s.Figures()[0][1] != "" })
	assert.Equal(t, [][]string{
		{"You — Sam", "0", "—", "— (none graded)", "—"},
		{"Carl", "26", "8.7", "15.0% (3 of 20 graded)", "1 min 30 s"},
		{"Tess", "14", "4.7", "8.3% (1 of 12 graded)", "3 min 05 s"},
		{"Whole bench", "40", "13.3", "12.5% (4 of 32 graded)", "2 min 10 s"},
	}, s.Figures(), "Sam received nothing today, and a supervisor sees everyone's figures by name")

	s.ShowFor(intake.Operator{})
	s.Reload()
	until("the bench's figures", func() bool { return s.Figures()[0][1] != "" })
	assert.Equal(t, [][]string{{"Whole bench", "40", "13.3", "12.5% (4 of 32 graded)", "2 min 10 s"}}, s.Figures(),
		"with no one logged in, the bench alone")
	assert.Len(t, s.chart.content.Objects, 3*4, "and the bench's bars alone")
}

func TestStatsScreenShowsAFailure(t *testing.T) {
	test.NewTempApp(t)
	post, until := settling(t)
	s := NewStatsScreen(Env{post: post}, statsFunc(func(context.Context, time.Time) (intake.ShiftStats, error) {
		return intake.ShiftStats{}, errors.New("database is locked")
	}))
	test.NewTempWindow(t, s.Content())
	until("the error", func() bool { return s.msg.Text != "" })
	assert.Contains(t, s.msg.Text, "Loading the shift stats failed: database is locked")
}

func TestPerDevice(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "—"},
		{400 * time.Millisecond, "—"},
		{45 * time.Second, "45 s"},
		{3*time.Minute + 5*time.Second + 600*time.Millisecond, "3 min 06 s"},
		{time.Hour + 4*time.Minute + 40*time.Second, "1 h 04 min"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, perDevice(tt.d), "%s", tt.d)
	}
}

// TestStatsTabFitsTheWindow shows the tab in the shell, logged in, with a
// full day of hours, at the bench's default window size (1152×760) and at
// the smallest screen it must work on (1024×768), each less the menu bar
// the test window does not draw: every figure, the chart's bars and labels
// and the Refresh button are inside the window, and no figure is cut short.
func TestStatsTabFitsTheWindow(t *testing.T) {
	day := shiftOfTess()
	for i := 12; i < 24; i++ { // until 23:00, the busiest a day's chart gets
		start := day.Since.Add(time.Duration(i) * time.Hour)
		day.Hours = append(day.Hours, intake.HourStats{Start: start, Received: 120, Graded: 100, Rerouted: 10})
		for p := range day.People {
			day.People[p].Hours = append(day.People[p].Hours, intake.HourStats{Start: start, Received: 60, Graded: 50, Rerouted: 5})
		}
	}
	day.Hours[0].Received = 1 // and one receipt at midnight: all 24 hours show
	const menuBar = 30
	for _, size := range []fyne.Size{{Width: 1152, Height: 760 - menuBar}, {Width: 1024, Height: 768 - menuBar}} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height+menuBar), func(t *testing.T) {
			f := newFixture(t)
			a := test.NewTempApp(t)
			post, until := settling(t)
			w := test.NewTempWindow(t, nil)
			sh, err := NewShell(Deps{
				Bench: "bench-7", Login: f.login, Operators: f.store,
				Receive:  ReceiveDeps{Lookup: f.bench, Receiver: f.bench, Search: f.store, Link: f.bench, Quarantine: f.bench},
				Grade:    GradeDeps{Grader: f.bench, Photos: f.bench},
				Stats:    statsFunc(func(context.Context, time.Time) (intake.ShiftStats, error) { return day, nil }),
				Settings: SettingsDeps{Prefs: a.Preferences()},
				Window:   w, Clock: f.clock, Sound: Silent{}, Quit: func() {}, post: post,
			})
			require.NoError(t, err)
			w.SetContent(sh.Content())
			w.Resize(size)
			until("the operator list", func() bool { return len(sh.login.operators) == 3 })
			loginAs(t, sh, until, tech, pinTech)
			require.True(t, sh.ShowTab(TabStats))
			until("the figures", func() bool { return sh.stats.Figures()[0][1] != "" })
			assert.Equal(t, []string{"You — Tess", "734", "48.9", "10.0% (61 of 612 graded)", "3 min 05 s"}, sh.stats.Figures()[0])
			assert.Len(t, sh.stats.chart.bench, 24)

			size := w.Canvas().Size()
			assert.LessOrEqual(t, sh.Content().MinSize().Height, size.Height, "the tab needs no more than the window's height")
			assert.LessOrEqual(t, sh.Content().MinSize().Width, size.Width, "nor its width")
			d := fyne.CurrentApp().Driver()
			for _, o := range shown(sh.stats.Content()) {
				pos := d.AbsolutePositionForObject(o)
				assert.True(t, inside(pos, o.Size(), fyne.NewPos(0, 0), size), "%T %q at %v size %v is outside the window %v", o, textOf(o), pos, o.Size(), size)
				if l, ok := o.(*widget.Label); ok && l.Wrapping == fyne.TextWrapOff && l.Text != "" {
					need := fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width + 2*theme.InnerPadding()
					assert.LessOrEqual(t, need, l.Size().Width+0.5, "%q is cut short", l.Text)
				}
			}
			for _, a := range sh.Actions() {
				assert.True(t, a.OnScreen, "%s is on screen", a.Label)
			}

			// INTAKEBENCH_SHOTS=dir keeps a picture of the screen to look at.
			if dir := os.Getenv("INTAKEBENCH_SHOTS"); dir != "" {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				out, err := os.Create(filepath.Join(dir, fmt.Sprintf("stats-fyne-test-%.0f.png", size.Width)))
				require.NoError(t, err)
				require.NoError(t, png.Encode(out, w.Canvas().Capture()))
				require.NoError(t, out.Close())
			}
		})
	}
}

// shown lists o and everything in it that is not hidden.
func shown(o fyne.CanvasObject) []fyne.CanvasObject {
	if o == nil || !o.Visible() {
		return nil
	}
	out := []fyne.CanvasObject{o}
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			out = append(out, shown(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			out = append(out, shown(c)...)
		}
	}
	return out
}

func textOf(o fyne.CanvasObject) string {
	switch v := o.(type) {
	case *widget.Label:
		return v.Text
	case *canvas.Text:
		return v.Text
	}
	return ""
}
