package store

import (
	"context"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// ShiftStats works out what this bench, and each person at it, did from
// since (truncated to the hour in since's location) up to now, from its own
// records: each device received (walk-ins included), who received it, and
// whether its latest grading rerouted it. intake.ShiftStatsOf says what the
// figures mean.
func (s *Store) ShiftStats(ctx context.Context, since time.Time) (intake.ShiftStats, error) {
	now := s.now()
	// A start ShiftStatsOf refuses is refused, before reading a month of rows for nothing.
	if _, err := intake.ShiftStatsOf(since, now, nil); err != nil {
		return intake.ShiftStats{}, err
	}
	// Stored times are RFC 3339 with as many fractional digits as needed,
	// which do not sort as strings to the nanosecond: the query reads from
	// a second before the hour and ShiftStatsOf applies the exact bounds.
	start := time.Date(since.Year(), since.Month(), since.Day(), since.Hour(), 0, 0, 0, since.Location())
	// The latest grading decides: a device graded damaged by mistake and
	// graded again did not arrive damaged.
	rows, err := s.read.QueryContext(ctx, `SELECT u.received_at, u.operator, latest.id IS NOT NULL,
			coalesce(json_extract(latest.decision, '$.reroute'), 0)
		FROM units u
		LEFT JOIN gradings latest ON latest.id = (SELECT max(id) FROM gradings WHERE tradein_id = u.tradein_id)
		WHERE u.received_at >= ?`, dbtime.Format(start.Add(-time.Second)))
	if err != nil {
		return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
	}
	defer rows.Close()
	var devices []intake.ReceivedDevice
	for rows.Next() {
		var receivedAt string
		var d intake.ReceivedDevice
		if err := rows.Scan(&receivedAt, &d.Operator, &d.Graded, &d.Rerouted); err != nil {
			return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
		}
		if d.At, err = dbtime.Parse(receivedAt); err != nil {
			return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
		}
		devices = append(devices, d)
	}
	if err := rows.Err(); err != nil {
		return intake.ShiftStats{}, fmt.Errorf("shift stats: %w", err)
	}
	return intake.ShiftStatsOf(since, now, devices)
}
