package ui

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// StatsSource computes a shift's figures (a store query).
type StatsSource interface {
	ShiftStats(ctx context.Context, since time.Time) (intake.ShiftStats, error)
}

// StatsScreen shows the shift's throughput as a bar chart.
type StatsScreen struct {
	env     Env
	source  StatsSource
	summary *widget.Label
	chart   *barChart
	msg     message
	refresh *widget.Button
	content fyne.CanvasObject
	stats   intake.ShiftStats
}

// NewStatsScreen builds the screen and loads today's figures.
func NewStatsScreen(env Env, source StatsSource) *StatsScreen {
	s := &StatsScreen{env: env, source: source, summary: widget.NewLabel(""), chart: newBarChart(), msg: newMessage()}
	s.summary.TextStyle = fyne.TextStyle{Bold: true}
	s.summary.Wrapping = fyne.TextWrapWord
	s.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), s.Reload)
	legend := container.NewHBox(swatch(colourGo), widget.NewLabel("received as disclosed"), swatch(colourLook), widget.NewLabel("damaged on arrival"))
	s.content = container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, bold("Shift stats — devices received per hour"), s.refresh), s.summary, legend),
		s.msg.Label, nil, nil, s.chart.content)
	s.Reload()
	return s
}

func swatch(c color.Color) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.SetMinSize(fyne.NewSize(16, 16))
	return container.NewCenter(r)
}

func (s *StatsScreen) actions() []action { return actions(nil, s.refresh) }

// Content is the screen's root object.
func (s *StatsScreen) Content() fyne.CanvasObject { return s.content }

// Summary is the line of figures above the chart.
func (s *StatsScreen) Summary() string { return s.summary.Text }

// Reload fetches the figures since the start of today.
func (s *StatsScreen) Reload() {
	now := s.env.now()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	background(s.env, func(ctx context.Context) (intake.ShiftStats, error) { return s.source.ShiftStats(ctx, since) },
		func(st intake.ShiftStats, err error) {
			if err != nil {
				s.msg.error(explain("Loading the shift stats", err))
				return
			}
			s.msg.clear()
			s.stats = st
			s.summary.SetText(fmt.Sprintf("Since %s: %d received · damaged on arrival %.1f%% (%d) · %s per device on average",
				st.Since.Local().Format("15:04"), st.Received(), 100*st.DamagedRate(), st.Rerouted(), avg(st.AvgPerDevice)))
			s.chart.set(st.Hours)
		})
}

func avg(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return d.Round(time.Second).String()
}

// barChart draws one bar per hour: the received count, with the damaged
// part of it in amber at the bottom.
type barChart struct {
	content *fyne.Container
	hours   []intake.HourStats
}

func newBarChart() *barChart {
	c := &barChart{}
	c.content = container.New(c)
	return c
}

func (c *barChart) set(hours []intake.HourStats) {
	c.hours = hours
	objects := make([]fyne.CanvasObject, 0, 4*len(hours))
	for _, h := range hours {
		total := canvas.NewRectangle(colourGo)
		damaged := canvas.NewRectangle(colourLook)
		count := canvas.NewText(fmt.Sprint(h.Received), theme.Color(theme.ColorNameForeground))
		count.Alignment = fyne.TextAlignCenter
		label := canvas.NewText(h.Start.Local().Format("15h"), theme.Color(theme.ColorNameForeground))
		label.Alignment = fyne.TextAlignCenter
		objects = append(objects, total, damaged, count, label)
	}
	c.content.Objects = objects
	c.content.Refresh()
}

// Layout places the bars; it makes barChart a fyne.Layout.
func (c *barChart) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	n := len(c.hours)
	if n == 0 || len(objects) != 4*n {
		return
	}
	most := 1
	for _, h := range c.hours {
		most = max(most, h.Received)
	}
	textH := theme.TextSize() + 2*theme.Padding()
	plotH := size.Height - 2*textH
	col := size.Width / float32(n)
	barW := col * 0.7
	for i, h := range c.hours {
		x := float32(i) * col
		totalH := plotH * float32(h.Received) / float32(most)
		damagedH := plotH * float32(h.Rerouted) / float32(most)
		bottom := textH + plotH
		objects[4*i].Move(fyne.NewPos(x+(col-barW)/2, bottom-totalH))
		objects[4*i].Resize(fyne.NewSize(barW, totalH))
		objects[4*i+1].Move(fyne.NewPos(x+(col-barW)/2, bottom-damagedH))
		objects[4*i+1].Resize(fyne.NewSize(barW, damagedH))
		objects[4*i+2].Move(fyne.NewPos(x, bottom-totalH-textH))
		objects[4*i+2].Resize(fyne.NewSize(col, textH))
		objects[4*i+3].Move(fyne.NewPos(x, bottom))
		objects[4*i+3].Resize(fyne.NewSize(col, textH))
	}
}

// MinSize is the chart's smallest useful size.
func (c *barChart) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(float32(max(len(c.hours), 1))*24, 200)
}
