package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func inspectionWith(screen intake.Severity) intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 95}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	in.Cosmetic[intake.ZoneScreen] = screen
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	return in
}

// TestShiftStats records a morning at a bench in India (UTC+5:30, so that
// an hour there does not start on a UTC hour) through the bench service, at
// set clock times, and reads the figures back.
func TestShiftStats(t *testing.T) {
	ctx := context.Background()
	ist := time.FixedZone("IST", 5*3600+1800)
	day := func(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, ist) }
	var now, at time.Time
	s, err := Open(ctx, filepath.Join(t.TempDir(), "bench.db"), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	imeis := []string{"356938035641001", "356938035641019", "356938035641027", "356938035641035", "356938035641043"}
	var tradeIns []intake.TradeIn
	for i, imei := range imeis {
		tradeIns = append(tradeIns, sampleTradeIn(fmt.Sprint(i), imei))
	}
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: tradeIns}, "c1"))
	keys := 0
	bench := intake.NewBench(s, "bench-1", func() time.Time { return at }, func() string { keys++; return fmt.Sprint("k", keys) })
	tech := intake.Operator{ID: "op-1", Name: "Tess", Role: intake.RoleClerk}
	receive := func(when time.Time, imei string) {
		at = when
		_, err := bench.Receive(ctx, tech, imei)
		require.NoError(t, err)
	}
	grade := func(when time.Time, tradeIn string, screen intake.Severity) {
		at = when
		_, err := bench.RecordGrading(ctx, tech, tradeIn, inspectionWith(screen))
		require.NoError(t, err)
	}
	receive(day(-1, 30), imeis[0]) // 23:30 the evening before
	receive(day(9, 10), imeis[1])
	grade(day(9, 12), "1", intake.SeverityNone) // as disclosed, 2 min
	receive(day(9, 40), imeis[2])
	grade(day(10, 0), "2", intake.SeverityCracked) // damaged on arrival, 20 min
	receive(day(9, 50), imeis[3])
	grade(day(9, 55), "3", intake.SeverityCracked) // graded damaged by mistake, 5 min...
	grade(day(10, 20), "3", intake.SeverityNone)   // ...and graded again: it arrived as disclosed
	at = day(11, 5)
	_, _, err = bench.AcceptWalkIn(ctx, s, tech, intake.WalkIn{
		Variant:    intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Prices: intake.PriceTableFromBase(40000)},
		Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true},
		IMEI:       "358240051111110", Check: intake.IMEICheck{IMEI: "358240051111110", Status: intake.IMEIClean},
		Customer: intake.Customer{Name: "Grace Hopper"}, Payout: intake.PayoutCash,
	})
	require.NoError(t, err)
	receive(day(11, 20), imeis[4]) // not graded yet
	now = day(11, 45)

	hour := func(h, received, graded, rerouted int) intake.HourStats {
		return intake.HourStats{Start: day(h, 0), Received: received, Graded: graded, Rerouted: rerouted}
	}
	morning := []intake.HourStats{hour(9, 3, 3, 1), hour(10, 0, 0, 0), hour(11, 2, 0, 0)}
	tests := []struct {
		name  string
		since time.Time
		want  intake.ShiftStats
	}{
		{"from inside an hour: the whole hour counts", day(9, 40),
			intake.ShiftStats{Since: day(9, 0), Hours: morning, AvgPerDevice: 9 * time.Minute}},
		{"from midnight: empty hours included", day(0, 0),
			intake.ShiftStats{Since: day(0, 0), AvgPerDevice: 9 * time.Minute, Hours: append([]intake.HourStats{
				hour(0, 0, 0, 0), hour(1, 0, 0, 0), hour(2, 0, 0, 0), hour(3, 0, 0, 0), hour(4, 0, 0, 0),
				hour(5, 0, 0, 0), hour(6, 0, 0, 0), hour(7, 0, 0, 0), hour(8, 0, 0, 0)}, morning...)}},
		{"from the evening before", day(-1, 0),
			intake.ShiftStats{Since: day(-1, 0), AvgPerDevice: 9 * time.Minute, Hours: append([]intake.HourStats{
				hour(-1, 1, 0, 0), hour(0, 0, 0, 0), hour(1, 0, 0, 0), hour(2, 0, 0, 0), hour(3, 0, 0, 0), hour(4, 0, 0, 0),
				hour(5, 0, 0, 0), hour(6, 0, 0, 0), hour(7, 0, 0, 0), hour(8, 0, 0, 0)}, morning...)}},
		{"from the current hour", day(11, 30),
			intake.ShiftStats{Since: day(11, 0), Hours: []intake.HourStats{hour(11, 2, 0, 0)}}},
		{"asked in UTC: hours of UTC, half past in India", day(9, 40).UTC(),
			intake.ShiftStats{Since: day(9, 30), AvgPerDevice: 12*time.Minute + 30*time.Second, Hours: []intake.HourStats{
				{Start: day(9, 30), Received: 2, Graded: 2, Rerouted: 1}, {Start: day(10, 30), Received: 2}, {Start: day(11, 30)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ShiftStats(ctx, tt.since)
			require.NoError(t, err)
			assert.True(t, tt.want.Since.Equal(got.Since), "since %s, want %s", got.Since, tt.want.Since)
			assert.Equal(t, tt.want.AvgPerDevice, got.AvgPerDevice)
			require.Len(t, got.Hours, len(tt.want.Hours))
			for i, h := range got.Hours {
				w := tt.want.Hours[i]
				assert.True(t, w.Start.Equal(h.Start), "hour %d starts %s, want %s", i, h.Start, w.Start)
				w.Start = h.Start
				assert.Equal(t, w, h, "hour %d (%s)", i, h.Start.In(ist).Format("15:04"))
			}
		})
	}

	st, err := s.ShiftStats(ctx, day(9, 0))
	require.NoError(t, err)
	assert.Equal(t, 5, st.Received())
	assert.Equal(t, 3, st.Graded())
	assert.Equal(t, 1, st.Rerouted())
	assert.InDelta(t, 0.2, st.DamagedRate(), 1e-9)
	assert.Equal(t, day(9, 0).Location(), st.Hours[0].Start.Location(), "hours are in the caller's time zone")
}

func TestShiftStatsRefusesAStartItCannotChart(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 11, 45, 0, 0, time.UTC)
	s, err := Open(ctx, filepath.Join(t.TempDir(), "bench.db"), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	tests := []struct {
		name  string
		since time.Time
		want  string
	}{
		{"no start", time.Time{}, "no start time"},
		{"a start in the future", now.Add(2 * time.Hour), "is in the future"},
		{"a start too long ago", now.Add(-40 * 24 * time.Hour), "more than 31 days ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.ShiftStats(ctx, tt.since)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	st, err := s.ShiftStats(ctx, now.Add(-time.Hour))
	require.NoError(t, err, "a bench that received nothing has empty hours, not an error")
	assert.Equal(t, []intake.HourStats{{Start: now.Add(-105 * time.Minute)}, {Start: now.Add(-45 * time.Minute)}}, st.Hours)
	assert.Zero(t, st.AvgPerDevice)
}
