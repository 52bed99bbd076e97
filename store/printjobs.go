package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
)

// PrintJob is a label or receipt waiting for (or taken by) a printer.
type PrintJob struct {
	ID        int64
	Kind      string // "label" or "receipt"
	Subject   string // the unit id, or the trade-in reference
	Data      []byte // ZPL or PDF
	CreatedAt time.Time
	Attempts  int
	NextAt    time.Time
	LastError string
	PrintedAt time.Time // zero while waiting
}

// AddPrintJob keeps a job to print, due at once; it is durable when
// AddPrintJob returns.
func (s *Store) AddPrintJob(ctx context.Context, kind, subject string, data []byte, at time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO print_jobs (kind, subject, data, created_at, next_at) VALUES (?, ?, ?, ?, ?)`,
			kind, subject, data, dbtime.Format(at), dbtime.Format(at))
		if err != nil {
			return fmt.Errorf("queue %s %s: %w", kind, subject, err)
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

const printJobColumns = `SELECT id, kind, subject, data, created_at, attempts, next_at, last_error, printed_at FROM print_jobs`

// WaitingPrintJobs returns every job not printed yet, oldest first.
func (s *Store) WaitingPrintJobs(ctx context.Context) ([]PrintJob, error) {
	return s.printJobs(ctx, ` WHERE printed_at IS NULL ORDER BY id`)
}

// PrintJobByID returns one job, printed or not.
func (s *Store) PrintJobByID(ctx context.Context, id int64) (PrintJob, error) {
	jobs, err := s.printJobs(ctx, ` WHERE id = ?`, id)
	if err != nil {
		return PrintJob{}, err
	}
	if len(jobs) == 0 {
		return PrintJob{}, fmt.Errorf("print job %d: %w", id, sql.ErrNoRows)
	}
	return jobs[0], nil
}

func (s *Store) printJobs(ctx context.Context, where string, args ...any) ([]PrintJob, error) {
	rows, err := s.read.QueryContext(ctx, printJobColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read print jobs: %w", err)
	}
	defer rows.Close()
	var out []PrintJob
	for rows.Next() {
		var j PrintJob
		var created, next string
		var printed sql.NullString
		if err := rows.Scan(&j.ID, &j.Kind, &j.Subject, &j.Data, &created, &j.Attempts, &next, &j.LastError, &printed); err != nil {
			return nil, fmt.Errorf("read print job: %w", err)
		}
		var errs [3]error
		j.CreatedAt, errs[0] = dbtime.Parse(created)
		j.NextAt, errs[1] = dbtime.Parse(next)
		if printed.Valid {
			j.PrintedAt, errs[2] = dbtime.Parse(printed.String)
		}
		if err := errors.Join(errs[:]...); err != nil {
			return nil, fmt.Errorf("print job %d: %w", j.ID, err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// PrintJobDone records that a printer took the job.
func (s *Store) PrintJobDone(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE print_jobs SET printed_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND printed_at IS NULL`,
			dbtime.Format(at), id)
		if err != nil {
			return fmt.Errorf("print job %d done: %w", id, err)
		}
		return nil
	})
}

// PrintJobFailed records a failed attempt and when to try again.
func (s *Store) PrintJobFailed(ctx context.Context, id int64, why string, next time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE print_jobs SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ? AND printed_at IS NULL`,
			why, dbtime.Format(next), id)
		if err != nil {
			return fmt.Errorf("print job %d failed: %w", id, err)
		}
		return nil
	})
}
