package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// OpenUnits lists the devices this bench received whose work is not done,
// oldest first: received and not graded, more photos asked for (here or,
// as the hub's queue last pulled says, by a supervisor at another bench),
// and counter-offers waiting for the customer.
func (s *Store) OpenUnits(ctx context.Context) ([]intake.OpenUnit, error) {
	type unit struct {
		id, state, at string
	}
	units, err := sqlitedb.QueryRows(ctx, s.read, "open units", func(rows *sql.Rows) (unit, error) {
		var u unit
		return u, rows.Scan(&u.id, &u.state, &u.at)
	}, `SELECT tradein_id, state, received_at FROM units
		WHERE state IN ('received', 'rerouted', 'photos-requested', 'counter-offered') ORDER BY received_at, tradein_id`)
	if err != nil {
		return nil, err
	}
	var out []intake.OpenUnit
	for _, u := range units {
		state := intake.UnitState(u.state)
		if state.AwaitsSupervisor() {
			if state, _, err = s.hubSays(ctx, u.id, state); err != nil {
				return nil, err
			}
		}
		if state == intake.UnitRerouted {
			continue // the supervisor's to decide, not the technician's
		}
		t, err := s.TradeIn(ctx, u.id)
		if err != nil {
			return nil, fmt.Errorf("open unit %s: %w", u.id, err)
		}
		at, err := dbtime.Parse(u.at)
		if err != nil {
			return nil, fmt.Errorf("open unit %s: received at %q: %w", u.id, u.at, err)
		}
		out = append(out, intake.OpenUnit{TradeIn: t, State: state, Received: at})
	}
	return out, nil
}
