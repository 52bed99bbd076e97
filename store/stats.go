package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// MaxStatsSpan bounds how far back ShiftStats reaches: it makes one bar per
// hour, and a month of them is already more than a screen shows.
const MaxStatsSpan = 31 * 24 * time.Hour

// ShiftStats computes what this bench did from since (truncated to the hour
// in since's location) up to now, from its own records: per hour, the
// devices received (walk-ins included), how many of them were graded and how
// many were rerouted, each device counted in the hour it was received; and
// the mean time from receipt to the first grading of the graded ones.
func (s *Store) ShiftStats(ctx context.Context, since time.Time) (intake.ShiftStats, error) {
	now := s.now()
	if since.IsZero() {
		return intake.ShiftStats{}, errors.New("shift stats: no start time")
	}
	// Truncating in since's location, not with time.Truncate: that works on
	// absolute time and would start a shift in India at half past.
	start := time.Date(since.Year(), since.Month(), since.Day(), since.Hour(), 0, 0, 0, since.Location())
	switch {
	case start.After(now):
		return intake.ShiftStats{}, fmt.Errorf("shift stats: the start %s is in the future", since.Format(time.RFC3339))
	case now.Sub(start) > MaxStatsSpan:
		return intake.ShiftStats{}, fmt.Errorf("shift stats: the start %s is more than %d days ago", since.Format(time.RFC3339), MaxStatsSpan/(24*time.Hour))
	}
	st := intake.ShiftStats{Since: start, Hours: make([]intake.HourStats, int(now.Sub(start)/time.Hour)+1)}
	for i := range st.Hours {
		st.Hours[i].Start = start.Add(time.Duration(i) * time.Hour)
	}
	// Stored times are RFC 3339 with as many fractional digits as needed,
	// which do not sort as strings to the nanosecond: the query reads from
	// a second early and the exact bounds are applied to the parsed times.
	rows, err := s.read.QueryContext(ctx, `SELECT u.received_at, first.at, json_extract(latest.decision, '$.reroute')
		FROM units u
		LEFT JOIN gradings first ON first.id = (SELECT min(id) FROM gradings WHERE tradein_id = u.tradein_id)
		LEFT JOIN gradings latest ON latest.id = (SELECT max(id) FROM gradings WHERE tradein_id = u.tradein_id)
		WHERE u.received_at >= ?`, dbtime.Format(start.Add(-time.Second)))
	if err != nil {
		return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
	}
	defer rows.Close()
	var total time.Duration
	graded := 0
	for rows.Next() {
		var receivedAt string
		var gradedAt sql.NullString
		var rerouted sql.NullBool
		if err := rows.Scan(&receivedAt, &gradedAt, &rerouted); err != nil {
			return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
		}
		received, err := dbtime.Parse(receivedAt)
		if err != nil {
			return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
		}
		if received.Before(start) || received.After(now) {
			continue
		}
		h := &st.Hours[int(received.Sub(start)/time.Hour)]
		h.Received++
		if !gradedAt.Valid {
			continue
		}
		h.Graded++
		// The latest grading decides: a device graded damaged by mistake
		// and graded again did not arrive damaged.
		if rerouted.Valid && rerouted.Bool {
			h.Rerouted++
		}
		// The first grading is when the device was dealt with; grading it
		// again later does not make the bench slower.
		at, err := dbtime.Parse(gradedAt.String)
		if err != nil {
			return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
		}
		total += max(at.Sub(received), 0)
		graded++
	}
	if err := rows.Err(); err != nil {
		return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
	}
	if graded > 0 {
		st.AvgPerDevice = total / time.Duration(graded)
	}
	return st, nil
}
