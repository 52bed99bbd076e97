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
// set clock times, by three people, and reads the figures back.
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
	tess := intake.Operator{ID: "op-tess", Name: "Tess", Role: intake.RoleTechnician}
	carl := intake.Operator{ID: "op-carl", Name: "Carl", Role: intake.RoleClerk}
	sam := intake.Operator{ID: "op-sam", Name: "Sam", Role: intake.RoleSupervisor}
	receive := func(when time.Time, op intake.Operator, imei string) {
		at = when
		_, err := bench.Receive(ctx, op, imei)
		require.NoError(t, err)
	}
	grade := func(when time.Time, op intake.Operator, tradeIn string, screen intake.Severity) {
		at = when
		_, err := bench.RecordGrading(ctx, op, tradeIn, inspectionWith(screen))
		require.NoError(t, err)
	}
	receive(day(-1, 30), tess, imeis[0]) // 23:30 the evening before
	receive(day(9, 10), tess, imeis[1])
	grade(day(9, 12), tess, "1", intake.SeverityNone) // as disclosed
	receive(day(9, 40), tess, imeis[2])
	grade(day(10, 0), tess, "2", intake.SeverityCracked) // damaged on arrival
	receive(day(9, 50), tess, imeis[3])
	grade(day(9, 55), tess, "3", intake.SeverityCracked) // graded damaged by mistake...
	grade(day(10, 20), sam, "3", intake.SeverityNone)    // ...and again by Sam: it arrived as disclosed, and stays Tess's
	at = day(11, 5)
	_, _, err = bench.AcceptWalkIn(ctx, s, carl, intake.WalkIn{
		Variant:    intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Prices: intake.PriceTableFromBase(40000)},
		Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true},
		IMEI:       "358240051111110", Check: intake.IMEICheck{IMEI: "358240051111110", Status: intake.IMEIClean},
		Customer: intake.Customer{Name: "Grace Hopper"}, Payout: intake.PayoutCash,
	})
	require.NoError(t, err)
	receive(day(11, 20), sam, imeis[4]) // not graded yet
	now = day(11, 45)

	hour := func(start time.Time, received, graded, rerouted int) intake.HourStats {
		return intake.HourStats{Start: start, Received: received, Graded: graded, Rerouted: rerouted}
	}
	// hours is n empty hours from start, but for the ones set.
	hours := func(start time.Time, n int, set ...intake.HourStats) []intake.HourStats {
		out := make([]intake.HourStats, n)
		for i := range out {
			out[i] = intake.HourStats{Start: start.Add(time.Duration(i) * time.Hour)}
			for _, h := range set {
				if h.Start.Equal(out[i].Start) {
					out[i] = h
				}
			}
		}
		return out
	}
	tests := []struct {
		name  string
		since time.Time
		want  intake.ShiftStats
	}{
		// Tess's gaps: 30 and 10 min; Carl and Sam received one device each.
		{"from inside an hour: the whole hour counts", day(9, 40), intake.ShiftStats{
			Since:   day(9, 0),
			Figures: intake.Figures{Hours: hours(day(9, 0), 3, hour(day(9, 0), 3, 3, 1), hour(day(11, 0), 2, 0, 0)), PerDevice: 20 * time.Minute},
			People: []intake.PersonStats{
				{Operator: "op-carl", Figures: intake.Figures{Hours: hours(day(9, 0), 3, hour(day(11, 0), 1, 0, 0))}},
				{Operator: "op-sam", Figures: intake.Figures{Hours: hours(day(9, 0), 3, hour(day(11, 0), 1, 0, 0))}},
				{Operator: "op-tess", Figures: intake.Figures{Hours: hours(day(9, 0), 3, hour(day(9, 0), 3, 3, 1)), PerDevice: 20 * time.Minute}},
			},
		}},
		// Tess's gaps: 9h40, 30 and 10 min.
		{"from the evening before", day(-1, 0), intake.ShiftStats{
			Since:   day(-1, 0),
			Figures: intake.Figures{Hours: hours(day(-1, 0), 13, hour(day(-1, 0), 1, 0, 0), hour(day(9, 0), 3, 3, 1), hour(day(11, 0), 2, 0, 0)), PerDevice: 30 * time.Minute},
			People: []intake.PersonStats{
				{Operator: "op-carl", Figures: intake.Figures{Hours: hours(day(-1, 0), 13, hour(day(11, 0), 1, 0, 0))}},
				{Operator: "op-sam", Figures: intake.Figures{Hours: hours(day(-1, 0), 13, hour(day(11, 0), 1, 0, 0))}},
				{Operator: "op-tess", Figures: intake.Figures{Hours: hours(day(-1, 0), 13, hour(day(-1, 0), 1, 0, 0), hour(day(9, 0), 3, 3, 1)), PerDevice: 30 * time.Minute}},
			},
		}},
		{"from the current hour", day(11, 30), intake.ShiftStats{
			Since:   day(11, 0),
			Figures: intake.Figures{Hours: []intake.HourStats{hour(day(11, 0), 2, 0, 0)}},
			People: []intake.PersonStats{
				{Operator: "op-carl", Figures: intake.Figures{Hours: []intake.HourStats{hour(day(11, 0), 1, 0, 0)}}},
				{Operator: "op-sam", Figures: intake.Figures{Hours: []intake.HourStats{hour(day(11, 0), 1, 0, 0)}}},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ShiftStats(ctx, tt.since)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("asked in UTC: hours of UTC, half past in India", func(t *testing.T) {
		got, err := s.ShiftStats(ctx, day(9, 40).UTC())
		require.NoError(t, err)
		var starts []string
		var received []int
		for _, h := range got.Hours {
			starts = append(starts, h.Start.In(ist).Format("15:04"))
			received = append(received, h.Received)
		}
		assert.Equal(t, []string{"09:30", "10:30", "11:30"}, starts)
		assert.Equal(t, []int{2, 2, 0}, received)
		assert.Equal(t, 10*time.Minute, got.PerDevice, "Tess's 9:40 and 9:50")
	})

	st, err := s.ShiftStats(ctx, day(9, 0))
	require.NoError(t, err)
	assert.Equal(t, 5, st.Received())
	assert.Equal(t, 3, st.Graded())
	assert.Equal(t, 1, st.Rerouted())
	assert.InDelta(t, 1.0/3, st.DamagedRate(), 1e-9, "of the graded devices: the walk-in and Sam's waiting one are not known")
	assert.InDelta(t, 2.5, st.PerHour(), 1e-9, "two hours with receipts")
	tessStats := st.Person("op-tess")
	assert.Equal(t, 3, tessStats.Received())
	assert.InDelta(t, 3.0, tessStats.PerHour(), 1e-9)
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
	assert.Zero(t, st.PerDevice)
	assert.Empty(t, st.People)
}
