package hubdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// The hub's durable schedule (package schedule): timed steps as rows, so
// that a restart loses none and several hub processes do each once.

// States of a scheduled step.
const (
	StepPending = "pending"
	StepDone    = "done"
	StepSkipped = "skipped" // its subject no longer needed it (an offer answered before its reminder)
	StepFailed  = "failed"  // gave up after its attempts
)

// ScheduledStep is one timed step: kind says what to do, subject to what
// (an offer id).
type ScheduledStep struct {
	ID        int64
	Kind      string
	Subject   string
	DueAt     time.Time
	State     string
	Attempts  int
	LastError string
	DoneAt    *time.Time
}

// ScheduleStep adds a step; one of the same kind and subject that is there
// already is kept as it is, so scheduling twice does a step once.
func (tx *Tx) ScheduleStep(ctx context.Context, kind, subject string, due time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO schedule_steps (kind, subject, due_at) VALUES (?, ?, ?) ON CONFLICT (kind, subject) DO NOTHING`,
		kind, subject, dbtime.Format(due)); err != nil {
		return fmt.Errorf("schedule %s of %s: %w", kind, subject, err)
	}
	return nil
}

func scanStep(row interface{ Scan(...any) error }) (ScheduledStep, error) {
	var s ScheduledStep
	var due string
	var done sql.NullString
	if err := row.Scan(&s.ID, &s.Kind, &s.Subject, &due, &s.State, &s.Attempts, &s.LastError, &done); err != nil {
		return s, err
	}
	var err error
	if s.DueAt, err = dbtime.Parse(due); err != nil {
		return s, err
	}
	if done.Valid {
		at, err := dbtime.Parse(done.String)
		if err != nil {
			return s, err
		}
		s.DoneAt = &at
	}
	return s, nil
}

const stepColumns = `SELECT id, kind, subject, due_at, state, attempts, last_error, done_at FROM schedule_steps`

// ClaimDueStep returns the pending step due longest ago at now, locked for
// this transaction: on PostgreSQL with FOR UPDATE SKIP LOCKED, so another
// process's claim passes over it; on SQLite the transaction is the one
// writer. The claimer finishes it (FinishStep) or records a failure
// (RetryStep) before committing. ErrNotFound: nothing is due.
func (tx *Tx) ClaimDueStep(ctx context.Context, now time.Time) (ScheduledStep, error) {
	q := stepColumns + ` WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT 1`
	if tx.tx.pg != nil {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	s, err := scanStep(tx.tx.QueryRowContext(ctx, q, dbtime.Format(now)))
	return s, notFound(err, "due step")
}

// FinishStep marks a claimed step done or skipped.
func (tx *Tx) FinishStep(ctx context.Context, id int64, state string, at time.Time) error {
	if state != StepDone && state != StepSkipped && state != StepFailed {
		return fmt.Errorf("finish step %d as %q: not a final state", id, state)
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE schedule_steps SET state = ?, done_at = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'`,
		state, dbtime.Format(at), id)
	if err != nil {
		return fmt.Errorf("finish step %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("pending step %d: %w", id, ErrNotFound)
	}
	return nil
}

// RetryStep records a failed attempt of a step and when to try again.
func (tx *Tx) RetryStep(ctx context.Context, id int64, reason string, next time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE schedule_steps SET attempts = attempts + 1, last_error = ?, due_at = ? WHERE id = ? AND state = 'pending'`,
		reason, dbtime.Format(next), id); err != nil {
		return fmt.Errorf("retry step %d: %w", id, err)
	}
	return nil
}

// SkipSteps marks the pending steps of a subject skipped: what they were
// for has happened otherwise (the offer was answered).
func (tx *Tx) SkipSteps(ctx context.Context, subject string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE schedule_steps SET state = 'skipped', done_at = ? WHERE subject = ? AND state = 'pending'`,
		dbtime.Format(at), subject); err != nil {
		return fmt.Errorf("skip steps of %s: %w", subject, err)
	}
	return nil
}

// Steps lists the steps of a subject, by due time.
func (tx *Tx) Steps(ctx context.Context, subject string) ([]ScheduledStep, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "steps of "+subject, func(rows *sql.Rows) (ScheduledStep, error) { return scanStep(rows) },
		stepColumns+` WHERE subject = ? ORDER BY due_at, id`, subject)
}

// NextStepDue is when the next pending step is due; zero when none is.
func (tx *Tx) NextStepDue(ctx context.Context) (time.Time, error) {
	var due sql.NullString
	if err := tx.tx.QueryRowContext(ctx, `SELECT MIN(due_at) FROM schedule_steps WHERE state = 'pending'`).Scan(&due); err != nil {
		return time.Time{}, fmt.Errorf("next step due: %w", err)
	}
	if !due.Valid {
		return time.Time{}, nil
	}
	return dbtime.Parse(due.String)
}

// ExpiredOffers lists up to limit open offers, of any source, whose
// expiry is at or before now, oldest expiry first.
func (tx *Tx) ExpiredOffers(ctx context.Context, now time.Time, limit int) ([]Offer, error) {
	if limit <= 0 {
		return nil, errors.New("expired offers: limit must be positive")
	}
	return sqlitedb.QueryRows(ctx, tx.tx, "expired offers", func(rows *sql.Rows) (Offer, error) { return scanOffer(rows) },
		offerColumns+` WHERE status = 'open' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`, dbtime.Format(now), limit)
}
