package ui

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"
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

// statsColumns heads the figures: who, then the figures of intake.Figures.
var statsColumns = [...]string{"", "Received", "Per hour worked", "Damaged on arrival", "Time per device"}

// StatsScreen shows today's figures of the person logged in beside the
// whole bench's, and the devices they received per hour as a bar chart. A
// supervisor sees a row for everyone else who received a device too.
type StatsScreen struct {
	env     Env
	source  StatsSource
	op      intake.Operator
	table   *fyne.Container
	head    []fyne.CanvasObject
	you     statsRow
	others  []statsRow // everyone else's, for a supervisor
	bench   statsRow
	youKey  fyne.CanvasObject // the legend's "you" entry
	chart   *barChart
	msg     message
	refresh *widget.Button
	content fyne.CanvasObject
	stats   intake.ShiftStats
}

// NewStatsScreen builds the screen and loads today's figures.
func NewStatsScreen(env Env, source StatsSource) *StatsScreen {
	s := &StatsScreen{env: env, source: source, chart: newBarChart(), msg: newMessage()}
	s.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), s.Reload)
	for _, h := range statsColumns {
		s.head = append(s.head, bold(h))
	}
	s.you, s.bench = newStatsRow(true), newStatsRow(true)
	s.bench[0].SetText("Whole bench")
	s.table = container.NewGridWithColumns(len(statsColumns))
	table := s.table
	// The figures are only as useful as they are understood: say how each
	// is counted, in the words a supervisor would check them by.
	note := widget.NewLabel("Per hour worked: devices received ÷ hours with a receipt. Damaged on arrival: of the devices graded, " +
		"those worse than disclosed. Time per device: the median time between one receipt and the same person's next.")
	note.Wrapping = fyne.TextWrapWord
	s.youKey = container.NewHBox(swatch(colourYou), widget.NewLabel("you"))
	legend := container.NewHBox(s.youKey, swatch(colourGo), widget.NewLabel("whole bench"),
		swatch(colourLook), widget.NewLabel("damaged on arrival"))
	s.content = container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, bold("Shift stats — today, devices received per hour"), s.refresh),
			table, note, legend),
		s.msg.Label, nil, nil, s.chart.content)
	s.ShowFor(env.operator())
	s.Reload()
	return s
}

// colourYou marks the logged-in person's bars: a blue, apart from the
// outcome colours of the bench's bar (green, amber), and fixed rather than
// the theme's accent, which a theme may make amber.
var colourYou = color.NRGBA{R: 0x2f, G: 0x6f, B: 0xd0, A: 0xff}

// statsRow is a row of the figures table, a label per column.
type statsRow [len(statsColumns)]*widget.Label

func newStatsRow(bold bool) statsRow {
	var r statsRow
	for i := range r {
		r[i] = widget.NewLabel("")
		r[i].Truncation = fyne.TextTruncateEllipsis
	}
	r[0].TextStyle.Bold = bold
	return r
}

// fillTable lays the table out again: the heading, the person's row,
// everyone else's, the bench's.
func (s *StatsScreen) fillTable() {
	objs := slices.Clone(s.head)
	for _, r := range slices.Concat([]statsRow{s.you}, s.others, []statsRow{s.bench}) {
		for _, l := range r {
			objs = append(objs, l)
		}
	}
	s.table.Objects = objs
	s.table.Refresh()
}

func swatch(c color.Color) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.SetMinSize(fyne.NewSize(16, 16))
	return container.NewCenter(r)
}

func (s *StatsScreen) actions() []action { return actions(nil, s.refresh) }

// Content is the screen's root object.
func (s *StatsScreen) Content() fyne.CanvasObject { return s.content }

// ShowFor makes the screen op's: the shell calls it at each login, so that
// no one sees the last person's figures as theirs. The figures load when
// the screen is next shown (Reload). A zero op (no one logged in) shows the
// bench alone.
func (s *StatsScreen) ShowFor(op intake.Operator) {
	s.op = op
	s.stats = intake.ShiftStats{}
	s.msg.clear()
	s.show()
}

// Figures are the rows of figures as shown, the person's (if anyone is
// logged in), everyone else's (for a supervisor), and then the bench's,
// each cell's text in column order.
func (s *StatsScreen) Figures() [][]string {
	var rows [][]string
	for _, r := range slices.Concat([]statsRow{s.you}, s.others, []statsRow{s.bench}) {
		if !r[0].Visible() {
			continue
		}
		var row []string
		for _, l := range r {
			row = append(row, l.Text)
		}
		rows = append(rows, row)
	}
	return rows
}

// Reload fetches the figures since the start of today.
func (s *StatsScreen) Reload() {
	now := s.env.now()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	op := s.op
	background(s.env, func(ctx context.Context) (intake.ShiftStats, error) { return s.source.ShiftStats(ctx, since) },
		func(st intake.ShiftStats, err error) {
			if op.ID != s.op.ID {
				return // someone else logged in meanwhile: their own load follows
			}
			if err != nil {
				s.msg.error(explain("Loading the shift stats", err))
				return
			}
			s.msg.clear()
			s.stats = st
			s.show()
		})
}

// show puts s.stats on the screen for s.op.
func (s *StatsScreen) show() {
	loaded := !s.stats.Since.IsZero()
	setRow := func(row statsRow, f intake.Figures) {
		if !loaded {
			for _, l := range row[1:] {
				l.SetText("")
			}
			return
		}
		row[1].SetText(fmt.Sprint(f.Received()))
		row[2].SetText(orDash(f.PerHour() > 0, fmt.Sprintf("%.1f", f.PerHour())))
		row[3].SetText(damaged(f))
		row[4].SetText(perDevice(f.PerDevice))
	}
	var mine []intake.HourStats
	if s.op.ID == "" {
		for _, l := range s.you {
			l.Hide()
		}
		s.youKey.Hide()
	} else {
		for _, l := range s.you {
			l.Show()
		}
		s.youKey.Show()
		name := s.op.Name
		if name == "" {
			name = s.env.operatorName(s.op.ID)
		}
		s.you[0].SetText("You — " + name)
		p := s.stats.Person(s.op.ID)
		setRow(s.you, p.Figures)
		mine = p.Hours
	}
	s.others = s.others[:0]
	if s.op.Role.May(intake.ActionDecide) {
		for _, p := range s.stats.People {
			if p.Operator == s.op.ID {
				continue
			}
			row := newStatsRow(false)
			row[0].SetText(s.env.operatorName(p.Operator))
			setRow(row, p.Figures)
			s.others = append(s.others, row)
		}
		slices.SortStableFunc(s.others, func(a, b statsRow) int { return strings.Compare(a[0].Text, b[0].Text) })
	}
	setRow(s.bench, s.stats.Figures)
	s.fillTable()
	s.chart.set(s.stats.Hours, mine)
}

func orDash(ok bool, text string) string {
	if !ok {
		return "—"
	}
	return text
}

// perDevice says a time per device the way a stopwatch would: "3 min 05 s".
func perDevice(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return fmt.Sprintf("%d s", d/time.Second)
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%d h %02d min", d/time.Hour, d%time.Hour/time.Minute)
}

func damaged(f intake.Figures) string {
	if f.Graded() == 0 {
		return "— (none graded)"
	}
	return fmt.Sprintf("%.1f%% (%d of %d graded)", 100*f.DamagedRate(), f.Rerouted(), f.Graded())
}

// barChart draws a column per hour: the person's bar (if anyone's) beside
// the bench's, each with its received count above it and the damaged part
// of it in amber at the bottom. It starts at the first hour the bench
// received anything: a day's empty early hours would squeeze the bars
// that matter.
type barChart struct {
	content *fyne.Container
	bench   []intake.HourStats
	mine    []intake.HourStats // nil: the bench's bars alone
}

// maxColumn is the widest an hour's column gets.
const maxColumn = 96

// bar is one bar's objects in the chart's content, in this order.
const (
	barTotal = iota
	barDamaged
	barCount
	barObjects
)

func newBarChart() *barChart {
	c := &barChart{}
	c.content = container.New(c)
	return c
}

// set shows the bench's hours and the person's (the same hours, or nil).
func (c *barChart) set(bench, mine []intake.HourStats) {
	first := 0
	for first < len(bench)-1 && bench[first].Received == 0 {
		first++
	}
	c.bench = bench[first:]
	c.mine = nil
	if mine != nil {
		c.mine = mine[first:]
	}
	var objects []fyne.CanvasObject
	fg := theme.Color(theme.ColorNameForeground)
	addBar := func(h intake.HourStats, colour color.Color) {
		count := canvas.NewText(fmt.Sprint(h.Received), fg)
		count.Alignment = fyne.TextAlignCenter
		objects = append(objects, canvas.NewRectangle(colour), canvas.NewRectangle(colourLook), count)
	}
	for i, h := range c.bench {
		if c.mine != nil {
			addBar(c.mine[i], colourYou)
		}
		addBar(h, colourGo)
		label := canvas.NewText(h.Start.Local().Format("15h"), fg)
		label.Alignment = fyne.TextAlignCenter
		objects = append(objects, label)
	}
	c.content.Objects = objects
	c.content.Refresh()
}

// bars is the number of bars per hour.
func (c *barChart) bars() int {
	if c.mine != nil {
		return 2
	}
	return 1
}

// Layout places the bars; it makes barChart a fyne.Layout.
func (c *barChart) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	n, per := len(c.bench), c.bars()*barObjects+1
	if n == 0 || len(objects) != n*per {
		return
	}
	most := 1
	for _, h := range c.bench {
		most = max(most, h.Received)
	}
	textH := theme.TextSize() + 2*theme.Padding()
	plotH := size.Height - 2*textH
	bottom := textH + plotH
	// A column is at most maxColumn wide, from the left: early in a
	// shift, one or two hours' bars filling the width would look like a
	// busy day.
	col := min(size.Width/float32(n), maxColumn)
	slot := col * 0.8 / float32(c.bars()) // the bars fill 80% of a column
	for i := range c.bench {
		x := float32(i)*col + col*0.1
		hourly := []intake.HourStats{c.bench[i]}
		if c.mine != nil {
			hourly = []intake.HourStats{c.mine[i], c.bench[i]}
		}
		for j, h := range hourly {
			o := objects[i*per+j*barObjects:]
			totalH := plotH * float32(h.Received) / float32(most)
			damagedH := plotH * float32(h.Rerouted) / float32(most)
			o[barTotal].Move(fyne.NewPos(x+slot*0.05, bottom-totalH))
			o[barTotal].Resize(fyne.NewSize(slot*0.9, totalH))
			o[barDamaged].Move(fyne.NewPos(x+slot*0.05, bottom-damagedH))
			o[barDamaged].Resize(fyne.NewSize(slot*0.9, damagedH))
			o[barCount].Move(fyne.NewPos(x, bottom-totalH-textH))
			o[barCount].Resize(fyne.NewSize(slot, textH))
			x += slot
		}
		label := objects[(i+1)*per-1]
		label.Move(fyne.NewPos(float32(i)*col, bottom))
		label.Resize(fyne.NewSize(col, textH))
	}
}

// MinSize is the chart's smallest useful size: room for a day's hours.
func (c *barChart) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(float32(max(len(c.bench), 1))*float32(c.bars())*18, 200)
}
