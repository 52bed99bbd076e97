// Package spool prints labels and receipts without ever making anyone wait
// for a printer: a job is kept in the bench store first, then sent, and a
// job the printer did not take is sent again later, in order, until it
// is. Nothing is lost when a printer is off, out of paper or unplugged.
package spool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/intakebench/intakebench/store"
)

// Kinds of job; each goes to its own printer.
const (
	KindLabel   = "label"
	KindReceipt = "receipt"
)

// Jobs is where jobs are kept; *store.Store is one.
type Jobs interface {
	AddPrintJob(ctx context.Context, kind, subject string, data []byte, at time.Time) (int64, error)
	WaitingPrintJobs(ctx context.Context) ([]store.PrintJob, error)
	PrintJobDone(ctx context.Context, id int64, at time.Time) error
	PrintJobFailed(ctx context.Context, id int64, why string, next time.Time) error
}

// Printer takes a job's bytes; printer.Target is one.
type Printer interface {
	Print(ctx context.Context, data []byte) error
}

// Route names the printer a kind of job goes to now. It is asked at every
// send, so a printer changed in the settings gets what was waiting.
type Route func(ctx context.Context, kind string) (Printer, error)

// Spool keeps and sends print jobs.
type Spool struct {
	jobs  Jobs
	route Route
	now   func() time.Time
	wake  chan struct{}
	send  sync.Mutex // one sender at a time: jobs go out once, in order
}

// New returns a spool keeping its jobs in jobs.
func New(jobs Jobs, route Route, now func() time.Time) *Spool {
	return &Spool{jobs: jobs, route: route, now: now, wake: make(chan struct{}, 1)}
}

// Submit keeps a job and wakes the sender. It returns once the job is
// durable, without waiting for any printer.
func (s *Spool) Submit(ctx context.Context, kind, subject string, data []byte) (int64, error) {
	if kind != KindLabel && kind != KindReceipt {
		return 0, fmt.Errorf("print job of kind %q", kind)
	}
	id, err := s.jobs.AddPrintJob(ctx, kind, subject, data, s.now())
	if err != nil {
		return 0, err
	}
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
	return id, nil
}

// Retry delays grow with each failed attempt, up to maxRetry: a printer
// that is merely out of paper is retried soon, one gone for the day does
// not cost a connection attempt every few seconds.
const (
	firstRetry = 5 * time.Second
	maxRetry   = 2 * time.Minute
)

func retryAfter(attempts int) time.Duration {
	d := firstRetry
	for range attempts {
		if d >= maxRetry {
			return maxRetry
		}
		d *= 2
	}
	return min(d, maxRetry)
}

// sendTimeout bounds one job's send.
const sendTimeout = 15 * time.Second

// SendDue sends the jobs due now, oldest first, and returns how many a
// printer took. A job of one kind that failed holds the later jobs of its
// kind until it is due again and printed, so labels never print out of
// order; its delay grows with its attempts.
func (s *Spool) SendDue(ctx context.Context) (int, error) {
	s.send.Lock()
	defer s.send.Unlock()
	jobs, err := s.jobs.WaitingPrintJobs(ctx)
	if err != nil {
		return 0, err
	}
	printed := 0
	held := map[string]bool{}
	var errs []error
	now := s.now()
	for _, j := range jobs {
		if held[j.Kind] {
			continue
		}
		if j.NextAt.After(now) {
			held[j.Kind] = true
			continue
		}
		err := s.sendOne(ctx, j)
		if err == nil {
			printed++
			if err := s.jobs.PrintJobDone(ctx, j.ID, s.now()); err != nil {
				return printed, err
			}
			continue
		}
		if ctx.Err() != nil {
			return printed, ctx.Err()
		}
		held[j.Kind] = true
		errs = append(errs, fmt.Errorf("%s %s: %w", j.Kind, j.Subject, err))
		if err := s.jobs.PrintJobFailed(ctx, j.ID, err.Error(), s.now().Add(retryAfter(j.Attempts))); err != nil {
			return printed, err
		}
	}
	return printed, errors.Join(errs...)
}

func (s *Spool) sendOne(ctx context.Context, j store.PrintJob) error {
	p, err := s.route(ctx, j.Kind)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return p.Print(ctx, j.Data)
}

// Waiting returns the jobs no printer took yet.
func (s *Spool) Waiting(ctx context.Context) ([]store.PrintJob, error) {
	return s.jobs.WaitingPrintJobs(ctx)
}

// Run sends jobs as they are submitted and retries the rest every poll,
// until ctx ends. report, if not nil, hears each round's outcome.
func (s *Spool) Run(ctx context.Context, poll time.Duration, report func(printed int, err error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		n, err := s.SendDue(ctx)
		if report != nil && ctx.Err() == nil {
			report(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}
