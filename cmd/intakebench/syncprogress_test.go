package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/benchsync"
)

func TestPullLine(t *testing.T) {
	for _, tt := range []struct {
		name         string
		items, total int
		took         time.Duration
		want         string
	}{
		{"the total unknown", 25_000, 0, 2 * time.Second, "pulling: 25000 changes applied, 12500/s"},
		{"just begun", 0, 100_000, 0, "pulling [                              ]   0% 0/100000 changes"},
		{"under way", 40_000, 100_000, time.Second, "pulling [============                  ]  40% 40000/100000 changes, 40000/s"},
		{"past a total counted before more came", 100_010, 100_000, 2 * time.Second,
			"pulling [==============================] 100% 100010/100000 changes, 50005/s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, pullLine(tt.items, tt.total, tt.took))
		})
	}
}

// On a terminal a pull is one line redrawn in place, at most every tenth
// of a second, left complete when the pull ends.
func TestSyncDrawsAPullBar(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := &progress{w: &out, bar: true, now: func() time.Time { return now }}
	for _, step := range []struct {
		after time.Duration
		s     benchsync.Status
	}{
		{0, benchsync.Status{State: benchsync.StatePulling}},
		{0, benchsync.Status{State: benchsync.StatePulling, Total: 1000}},
		{500 * time.Millisecond, benchsync.Status{State: benchsync.StatePulling, Items: 500, Total: 1000}},
		{50 * time.Millisecond, benchsync.Status{State: benchsync.StatePulling, Items: 600, Total: 1000}},
		{450 * time.Millisecond, benchsync.Status{State: benchsync.StateIdle, Items: 1000, Total: 1000}},
	} {
		now = now.Add(step.after)
		p.show(step.s)
	}
	assert.Equal(t, "\r\x1b[Kpulling [                              ]   0% 0/1000 changes"+
		"\r\x1b[Kpulling [===============               ]  50% 500/1000 changes, 1000/s"+
		"\r\x1b[Kpulling [==============================] 100% 1000/1000 changes, 1000/s\n", out.String())
}

// Elsewhere (a log file) a pull prints a line every tenth page.
func TestSyncLogsAPullWithoutATerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out)
	for pages := 1; pages <= 12; pages++ {
		p.show(benchsync.Status{State: benchsync.StatePulling, Pages: pages, Items: pages * 1000, Total: 12_000})
	}
	assert.Equal(t, "pulling: 1 pages, 1000 changes applied\npulling: 11 pages, 11000 changes applied\n", out.String())
}
