package intake

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A morning at a bench in India (UTC+5:30, so that an hour there does not
// start on a UTC hour): Tess receives and grades, with a break; Carl takes
// walk-ins, never graded at the bench; Sam receives one device.
var (
	ist  = time.FixedZone("IST", 5*3600+1800)
	at   = func(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, ist) }
	tess = func(h, m int, graded, rerouted bool) ReceivedDevice {
		return ReceivedDevice{At: at(h, m), Operator: "op-tess", Graded: graded, Rerouted: rerouted}
	}
	morning = []ReceivedDevice{
		{At: at(10, 50), Operator: "op-carl"}, // out of order: the figures do not rely on the order
		tess(8, 55, true, false),              // before the shift's first hour
		tess(9, 5, true, false),
		tess(9, 9, true, true),
		tess(9, 15, true, false),
		tess(9, 30, false, false), // not graded yet
		tess(10, 10, true, false), // after a 40-minute break
		tess(10, 14, true, false),
		{At: at(10, 20), Operator: "op-carl"},
		{At: at(11, 0), Operator: "op-carl"},
		{At: at(11, 40), Operator: "op-sam", Graded: true, Rerouted: true},
		{At: at(11, 50), Operator: "op-sam", Graded: true}, // after now
	}
)

func hours(rows ...[4]int) []HourStats {
	out := make([]HourStats, len(rows))
	for i, r := range rows {
		out[i] = HourStats{Start: at(r[0], 0), Received: r[1], Graded: r[2], Rerouted: r[3]}
	}
	return out
}

func TestShiftStatsOf(t *testing.T) {
	tests := []struct {
		name       string
		since, now time.Time
		devices    []ReceivedDevice
		want       ShiftStats
	}{
		{"a morning: per person and the bench", at(9, 40), at(11, 45), morning, ShiftStats{
			Since: at(9, 0),
			// Gaps: Tess 4, 6, 15, 40, 4 min; Carl 30, 10; Sam none.
			// Together 4, 4, 6, 10, 15, 30, 40: the median is 10 min.
			Figures: Figures{Hours: hours([4]int{9, 4, 3, 1}, [4]int{10, 4, 2, 0}, [4]int{11, 2, 1, 1}), PerDevice: 10 * time.Minute},
			People: []PersonStats{
				{"op-carl", Figures{Hours: hours([4]int{9, 0, 0, 0}, [4]int{10, 2, 0, 0}, [4]int{11, 1, 0, 0}), PerDevice: 20 * time.Minute}},
				{"op-sam", Figures{Hours: hours([4]int{9, 0, 0, 0}, [4]int{10, 0, 0, 0}, [4]int{11, 1, 1, 1})}},
				{"op-tess", Figures{Hours: hours([4]int{9, 4, 3, 1}, [4]int{10, 2, 2, 0}, [4]int{11, 0, 0, 0}), PerDevice: 6 * time.Minute}},
			},
		}},
		{"nothing received: empty hours, no one", at(9, 0), at(10, 30), nil, ShiftStats{
			Since: at(9, 0), Figures: Figures{Hours: hours([4]int{9, 0, 0, 0}, [4]int{10, 0, 0, 0})},
		}},
		{"from the current hour", at(11, 30), at(11, 45), morning, ShiftStats{
			Since:   at(11, 0),
			Figures: Figures{Hours: hours([4]int{11, 2, 1, 1})},
			People: []PersonStats{
				{"op-carl", Figures{Hours: hours([4]int{11, 1, 0, 0})}},
				{"op-sam", Figures{Hours: hours([4]int{11, 1, 1, 1})}},
			},
		}},
		{"two receipts in the same second: a gap of nothing", at(9, 0), at(9, 30),
			[]ReceivedDevice{tess(9, 5, false, false), tess(9, 5, false, false), tess(9, 10, false, false)}, ShiftStats{
				Since:   at(9, 0),
				Figures: Figures{Hours: hours([4]int{9, 3, 0, 0}), PerDevice: 2*time.Minute + 30*time.Second},
				People:  []PersonStats{{"op-tess", Figures{Hours: hours([4]int{9, 3, 0, 0}), PerDevice: 2*time.Minute + 30*time.Second}}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ShiftStatsOf(tt.since, tt.now, tt.devices)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestShiftStatsOfHoursAreTheCallersHours(t *testing.T) {
	// Asked in UTC, the hours are UTC hours: half past in India.
	got, err := ShiftStatsOf(at(9, 40).UTC(), at(11, 45).UTC(), morning)
	require.NoError(t, err)
	starts := []string{}
	counts := []int{}
	for _, h := range got.Hours {
		starts = append(starts, h.Start.In(ist).Format("15:04"))
		counts = append(counts, h.Received)
	}
	assert.Equal(t, []string{"09:30", "10:30", "11:30"}, starts)
	assert.Equal(t, []int{4, 2, 1}, counts)
	assert.Equal(t, time.UTC, got.Hours[0].Start.Location())
}

func TestFigures(t *testing.T) {
	st, err := ShiftStatsOf(at(9, 0), at(11, 45), morning)
	require.NoError(t, err)
	tests := []struct {
		name                       string
		f                          Figures
		received, graded, rerouted int
		activeHours                int
		perHour, damagedRate       float64
	}{
		{"the bench", st.Figures, 10, 6, 2, 3, 10.0 / 3, 2.0 / 6},
		{"Tess: two hours worked", st.Person("op-tess").Figures, 6, 5, 1, 2, 3, 0.2},
		{"Carl: walk-ins, none graded", st.Person("op-carl").Figures, 3, 0, 0, 2, 1.5, 0},
		{"Sam: one device, damaged", st.Person("op-sam").Figures, 1, 1, 1, 1, 1, 1},
		{"someone who received nothing", st.Person("op-nobody").Figures, 0, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.received, tt.f.Received())
			assert.Equal(t, tt.graded, tt.f.Graded())
			assert.Equal(t, tt.rerouted, tt.f.Rerouted())
			assert.Equal(t, tt.activeHours, tt.f.ActiveHours())
			assert.InDelta(t, tt.perHour, tt.f.PerHour(), 1e-9)
			assert.InDelta(t, tt.damagedRate, tt.f.DamagedRate(), 1e-9)
		})
	}
	assert.Equal(t, PersonStats{Operator: "op-nobody", Figures: Figures{Hours: hours([4]int{9, 0, 0, 0}, [4]int{10, 0, 0, 0}, [4]int{11, 0, 0, 0})}},
		st.Person("op-nobody"), "someone who received nothing has the shift's hours, empty")
}

func TestShiftStatsOfRefusesAStartItCannotChart(t *testing.T) {
	now := time.Date(2026, 11, 24, 11, 45, 0, 0, time.UTC)
	tests := []struct {
		name  string
		since time.Time
		want  string
	}{
		{"no start", time.Time{}, "shift stats: no start time"},
		{"a start in the future", now.Add(2 * time.Hour), "shift stats: the start 2026-11-24T13:45:00Z is in the future"},
		{"a start too long ago", now.Add(-40 * 24 * time.Hour), "shift stats: the start 2026-10-15T11:45:00Z is more than 31 days ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ShiftStatsOf(tt.since, now, morning)
			assert.EqualError(t, err, tt.want)
		})
	}
}
