package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/intake"
)

func TestStatsScreenShowsTheShift(t *testing.T) {
	test.NewTempApp(t)
	post, until := settling(t)
	clock := newFakeClock(time.Date(2026, 11, 24, 11, 30, 0, 0, time.Local))
	var asked time.Time
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.Local)
	s := NewStatsScreen(Env{Clock: clock, post: post}, statsFunc(func(_ context.Context, since time.Time) (intake.ShiftStats, error) {
		asked = since
		return intake.ShiftStats{Since: start, AvgPerDevice: 2*time.Minute + 10*time.Second, Hours: []intake.HourStats{
			{Start: start, Received: 12, Rerouted: 1}, {Start: start.Add(time.Hour), Received: 20, Rerouted: 3}, {Start: start.Add(2 * time.Hour), Received: 8},
		}}, nil
	}))
	w := test.NewTempWindow(t, s.Content())
	until("the figures", func() bool { return s.Summary() != "" })
	assert.Equal(t, time.Date(2026, 11, 24, 0, 0, 0, 0, time.Local), asked, "the shift is today")
	assert.Equal(t, "Since 09:00: 40 received · damaged on arrival 10.0% (4) · 2m10s per device on average", s.Summary())
	assert.Len(t, s.chart.content.Objects, 12, "a bar, a damaged part, a count and an hour per hour")

	s.chart.Layout(s.chart.content.Objects, w.Canvas().Size().Max(s.chart.MinSize(nil)))
	tallest, lowest := s.chart.content.Objects[4].Size().Height, s.chart.content.Objects[8].Size().Height
	assert.InDelta(t, 8.0/20.0, lowest/tallest, 0.01, "bars scale with the count")
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
