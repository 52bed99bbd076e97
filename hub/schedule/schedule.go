// Package schedule is the hub's durable scheduler: every time-driven step
// (an offer reminder, an offer's expiry) is a row of schedule_steps, or,
// for expiry, the offers' own expires_at, so that a restart loses none.
//
// RunDue claims one due step at a time in a write transaction (FOR UPDATE
// SKIP LOCKED on PostgreSQL, the single writer on SQLite), runs its
// handler in that same transaction and marks it done before the commit:
// a step and what it writes (an event in the webhook outbox) commit
// together or not at all, so each is done once, whichever of several hub
// processes claims it. A handler that fails rolls back, and the step is
// tried again after a backoff, up to MaxAttempts. The clock is injected:
// a clock that jumps runs everything that became due, each once.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
)

// Handler runs a due step in the claim's transaction. It reports false
// when the step had nothing left to do (skipped).
type Handler func(ctx context.Context, st *hub.Steps, step hubdb.ScheduledStep) (bool, error)

// ExpiryHook is told, in the expiry's transaction, of each offer that
// expired: a package that keeps its own state of offers follows it.
type ExpiryHook func(ctx context.Context, st *hub.Steps, o hubdb.Offer) error

// Scheduler runs the hub's due steps.
type Scheduler struct {
	hub         *hub.Hub
	log         *slog.Logger
	handlers    map[string]Handler
	expiry      []ExpiryHook
	afterCommit []func()
	maxAttempts int
	backoff     time.Duration
	wake        chan struct{}
}

// Option configures a Scheduler.
type Option func(*Scheduler)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Scheduler) { s.log = l } }

// WithRetry sets how many attempts a failing step gets, and the first
// backoff (doubling after each failure). Defaults: 8 and a minute.
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(s *Scheduler) { s.maxAttempts, s.backoff = attempts, backoff }
}

// New returns a scheduler on the hub's database and clock.
func New(h *hub.Hub, opts ...Option) *Scheduler {
	s := &Scheduler{hub: h, log: slog.New(slog.DiscardHandler), handlers: map[string]Handler{}, maxAttempts: 8, backoff: time.Minute,
		wake: make(chan struct{}, 1)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Handle sets the handler of a step kind. Call before Run.
func (s *Scheduler) Handle(kind string, h Handler) { s.handlers[kind] = h }

// OnExpiry adds a hook told of each expired offer. Call before Run.
func (s *Scheduler) OnExpiry(h ExpiryHook) { s.expiry = append(s.expiry, h) }

// AfterCommit adds what is told after a round committed work (the webhook
// outbox's Wake). Call before Run.
func (s *Scheduler) AfterCommit(f func()) { s.afterCommit = append(s.afterCommit, f) }

// Wake makes Run look for due steps now: a step was scheduled.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// expiryBatch is how many expired offers one transaction closes.
const expiryBatch = 100

// RunDue runs every step due at the hub's clock's now, each in its own
// transaction, and closes the offers that expired; it returns how many
// it did. A step that fails is put off and the round goes on.
func (s *Scheduler) RunDue(ctx context.Context) (int, error) {
	done := 0
	defer func() {
		if done > 0 {
			for _, f := range s.afterCommit {
				f()
			}
		}
	}()
	for {
		n, err := s.expireOffers(ctx)
		done += n
		if err != nil {
			return done, err
		}
		if n < expiryBatch {
			break
		}
	}
	for ctx.Err() == nil {
		ran, err := s.runOne(ctx)
		if errors.Is(err, hubdb.ErrNotFound) {
			return done, nil
		}
		if err != nil {
			return done, err
		}
		if ran {
			done++
		}
	}
	return done, ctx.Err()
}

// runOne claims and runs the step due longest ago. ErrNotFound: none is.
func (s *Scheduler) runOne(ctx context.Context) (bool, error) {
	var step hubdb.ScheduledStep
	var failure error
	err := s.hub.InSteps(ctx, func(st *hub.Steps) error {
		var err error
		if step, err = st.Tx().ClaimDueStep(ctx, st.Now()); err != nil {
			return err
		}
		h, ok := s.handlers[step.Kind]
		if !ok {
			failure = fmt.Errorf("no handler of step kind %q", step.Kind)
			return failure
		}
		did, err := h(ctx, st, step)
		if err != nil {
			failure = err
			return err
		}
		state := hubdb.StepDone
		if !did {
			state = hubdb.StepSkipped
		}
		return st.Tx().FinishStep(ctx, step.ID, state, st.Now())
	})
	if failure == nil {
		return err == nil, err
	}
	// The step's own work rolled back: record the attempt, or give up.
	s.log.WarnContext(ctx, "scheduled step failed", "kind", step.Kind, "subject", step.Subject, "attempt", step.Attempts+1, "err", failure)
	return false, s.hub.InSteps(ctx, func(st *hub.Steps) error {
		if step.Attempts+1 >= s.maxAttempts {
			return st.Tx().FinishStep(ctx, step.ID, hubdb.StepFailed, st.Now())
		}
		return st.Tx().RetryStep(ctx, step.ID, failure.Error(), st.Now().Add(s.backoff<<min(step.Attempts, 16)))
	})
}

// expireOffers closes a batch of open offers whose expiry passed.
func (s *Scheduler) expireOffers(ctx context.Context) (int, error) {
	n := 0
	err := s.hub.InSteps(ctx, func(st *hub.Steps) error {
		offers, err := st.Tx().ExpiredOffers(ctx, st.Now(), expiryBatch)
		if err != nil {
			return err
		}
		for _, o := range offers {
			_, changed, err := st.ExpireOffer(ctx, o.ID)
			if err != nil {
				return fmt.Errorf("expire offer %s: %w", o.ID, err)
			}
			if !changed {
				continue
			}
			for _, h := range s.expiry {
				if err := h(ctx, st, o); err != nil {
					return fmt.Errorf("expire offer %s: %w", o.ID, err)
				}
			}
			n++
		}
		return nil
	})
	return n, err
}

// Run runs due steps until ctx ends: when woken, when the next step falls
// due by the wall clock, and every interval at least (the hub's clock may
// be a test's, and another process may have scheduled steps).
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "run scheduled steps", "err", err)
		}
		wait := interval
		var next time.Time
		if err := s.hub.DB().View(ctx, func(tx *hubdb.Tx) (err error) {
			next, err = tx.NextStepDue(ctx)
			return err
		}); err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(s.hub.Now()), time.Second))
		}
		t.Reset(wait)
	}
}
