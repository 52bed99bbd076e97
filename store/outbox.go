package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// OutboxEvent is a queued event as it will be pushed to the hub.
type OutboxEvent struct {
	Seq       int64           `json:"seq"`
	Key       string          `json:"key"`
	Kind      string          `json:"kind"`
	TradeInID string          `json:"trade_in_id"`
	Operator  string          `json:"operator"`
	Bench     string          `json:"bench"`
	At        time.Time       `json:"at"`
	Payload   json.RawMessage `json:"payload"`
	State     string          `json:"state"`
	Result    json.RawMessage `json:"result,omitempty"`
	// Grant and Proof are a supervisor's authority (intake.Event).
	Grant string `json:"grant,omitempty"`
	Proof string `json:"proof,omitempty"`
}

// Settlement is the hub's answer for one pushed event.
type Settlement struct {
	Key    string
	State  string // applied, duplicate or rejected
	Result json.RawMessage
	// Decision is the hub's damaged-on-arrival decision of a grading when
	// it differed from this bench's: the hub's stands, here too.
	Decision *intake.Decision
}

// PendingEvents returns up to limit events not yet settled by the hub, in
// sequence order.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]OutboxEvent, error) {
	return s.outbox(ctx, `WHERE state = 'pending' ORDER BY seq LIMIT ?`, limit)
}

// RejectedEvents returns the events the hub refused, for a supervisor.
func (s *Store) RejectedEvents(ctx context.Context) ([]OutboxEvent, error) {
	return s.outbox(ctx, `WHERE state = 'rejected' ORDER BY seq`)
}

// CountPending counts the events waiting for the hub.
func (s *Store) CountPending(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&n)
	return n, err
}

func (s *Store) outbox(ctx context.Context, where string, args ...any) ([]OutboxEvent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT seq, key, kind, tradein_id, operator, bench, at, payload, state, result, grant_token, proof FROM outbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxEvent
	for rows.Next() {
		var e OutboxEvent
		var at string
		var payload string
		var result sql.NullString
		if err := rows.Scan(&e.Seq, &e.Key, &e.Kind, &e.TradeInID, &e.Operator, &e.Bench, &at, &payload, &e.State, &result, &e.Grant, &e.Proof); err != nil {
			return nil, err
		}
		if e.At, err = dbtime.Parse(at); err != nil {
			return nil, err
		}
		e.Payload = json.RawMessage(payload)
		if result.Valid {
			e.Result = json.RawMessage(result.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Settle records the hub's answers. A rejected event is kept with its
// result for a supervisor; it is never deleted.
func (s *Store) Settle(ctx context.Context, settlements []Settlement) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := dbtime.Format(s.now())
		for _, st := range settlements {
			switch st.State {
			case "applied", "duplicate", "rejected":
			default:
				return fmt.Errorf("event %s: unknown settlement %q", st.Key, st.State)
			}
			var result any
			if len(st.Result) > 0 {
				result = string(st.Result)
			}
			res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, result = ?, settled_at = ? WHERE key = ? AND state = 'pending'`,
				st.State, result, now, st.Key)
			if err != nil {
				return fmt.Errorf("settle event %s: %w", st.Key, err)
			}
			n, _ := res.RowsAffected()
			if n == 1 && st.Decision != nil {
				if err := s.takeHubDecision(ctx, tx, st.Key, *st.Decision, now); err != nil {
					return err
				}
			}
			if n == 0 {
				var exists int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE key = ?`, st.Key).Scan(&exists); err != nil {
					return err
				}
				if exists == 0 {
					return fmt.Errorf("settle event %s: no such event in the outbox", st.Key)
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE sync_state SET last_push_at = ? WHERE id = 1`, now)
		return err
	})
}

// takeHubDecision puts the hub's decision on the grading pushed as key: the
// unit is rerouted to a supervisor, or back from the review queue, and the
// audit log says the hub decided.
func (s *Store) takeHubDecision(ctx context.Context, tx *sql.Tx, key string, d intake.Decision, at string) error {
	var tradeInID, operator, bench string
	err := tx.QueryRowContext(ctx, `SELECT tradein_id, operator, bench FROM gradings WHERE event_key = ?`, key).Scan(&tradeInID, &operator, &bench)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("the hub decided on event %s, which is no grading of this bench", key)
	}
	if err != nil {
		return fmt.Errorf("find grading %s: %w", key, err)
	}
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE gradings SET decision = ? WHERE event_key = ?`, doc, key); err != nil {
		return fmt.Errorf("record the hub's decision on %s: %w", tradeInID, err)
	}
	from, to := "rerouted", "graded"
	if d.Reroute {
		from, to = "graded", "rerouted"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE units SET state = ? WHERE tradein_id = ? AND state = ?`, to, tradeInID, from); err != nil {
		return fmt.Errorf("move unit %s to %s: %w", tradeInID, to, err)
	}
	reason := "the hub's grading does not reroute the device"
	if d.Reroute {
		reason = "the hub's grading reroutes the device: " + d.Reason
	}
	return appendAudit(ctx, tx, AuditEntry{At: at, Operator: operator, Bench: bench, Action: "hub-decision", Subject: tradeInID,
		Reason: reason, Detail: string(doc)})
}
