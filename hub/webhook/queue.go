package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/retryafter"
)

// leaseSlack is how much longer than an attempt's timeout a claim is
// leased: recording the result must fit in it, or another claim could take
// the delivery while this one is still writing.
const leaseSlack = 30 * time.Second

// slots counts the attempts in flight, per endpoint and in all, so that
// each endpoint's queue gets its own budget. It is the in-memory half of
// a claim: the database lease keeps other processes off a delivery, slots
// keeps one endpoint from taking the workers of another.
type slots struct {
	mu    sync.Mutex
	busy  map[string]int
	total int
}

// reserve takes up to want slots for endpoint, within perEndpoint and
// maxTotal, and returns how many it took.
func (s *slots) reserve(endpoint string, want, perEndpoint, maxTotal int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(want, perEndpoint-s.busy[endpoint], maxTotal-s.total)
	if n <= 0 {
		return 0
	}
	s.busy[endpoint] += n
	s.total += n
	return n
}

// free gives back n of endpoint's slots.
func (s *slots) free(endpoint string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy[endpoint] -= n
	s.total -= n
	if s.busy[endpoint] <= 0 {
		delete(s.busy, endpoint)
	}
}

// full reports whether endpoint, or the dispatcher, has no slot left.
func (s *slots) full(endpoint string, perEndpoint, maxTotal int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy[endpoint] >= perEndpoint || s.total >= maxTotal
}

// Wake makes Run look for due deliveries now.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers due deliveries until ctx ends, then waits for the attempts
// in flight to stop and returns nil. Each endpoint has its own queue and
// at most Config.EndpointConcurrency attempts in flight, and a new
// attempt starts as soon as one of its endpoint's slots is free, so a
// slow or dead endpoint holds only its own slots (each for at most
// Config.Timeout) and never delays another endpoint's deliveries.
//
// One worker per database is the intended set-up. A second one is safe
// (claims are leased in a write transaction, so a row is claimed by one
// worker at a time) but doubles each endpoint's concurrency and buys
// nothing, as SQLite has one writer anyway.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	start := func(j hubdb.ClaimedWebhookDelivery) {
		wg.Go(func() {
			defer d.finished(j.EndpointID)
			if err := d.attempt(ctx, j); err != nil {
				d.log.ErrorContext(ctx, "webhook delivery attempt failed", "delivery", j.ID, "endpoint", j.EndpointID, "err", err)
			}
		})
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, next, err := d.round(ctx, start)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.log.ErrorContext(ctx, "webhook delivery round failed", "err", err)
		}
		if n > 0 && err == nil {
			continue // look again: more may be due than there were slots
		}
		wait := d.poll
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(d.now()), time.Millisecond))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake: // a publish, a redrive, or a slot freed
		case <-timer.C:
		}
	}
}

// finished frees the slot of an attempt that ended and tells Run, which
// may have due deliveries waiting for it.
func (d *Dispatcher) finished(endpointID string) {
	d.slots.free(endpointID, 1)
	d.Wake()
}

// DeliverDue runs one round: for every endpoint with deliveries due now,
// it claims as many as the endpoint has free slots (see
// Config.EndpointConcurrency), attempts them, waits for the attempts and
// returns how many it made. Run does the same without waiting; tests call
// DeliverDue directly with a fake clock.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	n, _, err := d.round(ctx, func(j hubdb.ClaimedWebhookDelivery) {
		wg.Go(func() {
			defer d.finished(j.EndpointID)
			if err := d.attempt(ctx, j); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	})
	wg.Wait()
	return n, errors.Join(append(errs, err)...)
}

// round claims due deliveries for every endpoint queue with free slots
// and hands each to start, which owns one slot of its endpoint until it
// calls finished. It returns how many it started and when the next
// delivery of a queue with a free slot falls due, zero if none is known:
// queues that are full, or had deliveries claimed now, are left out, as
// an attempt ending wakes Run anyway.
func (d *Dispatcher) round(ctx context.Context, start func(hubdb.ClaimedWebhookDelivery)) (int, time.Time, error) {
	var queues []hubdb.WebhookQueue
	err := d.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		queues, err = tx.WebhookQueues(ctx)
		return err
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("webhook queues: %w", err)
	}
	now := d.now()
	var next time.Time
	reserved := map[string]int{}
	var order []string
	for _, q := range queues {
		if q.NextDue.After(now) {
			if !d.slots.full(q.EndpointID, d.perEndpoint, d.maxInFlight) && (next.IsZero() || q.NextDue.Before(next)) {
				next = q.NextDue
			}
			continue
		}
		// Queues come earliest due first, so when the dispatcher as a
		// whole is short of slots the longest-waiting endpoints get them.
		if n := d.slots.reserve(q.EndpointID, d.perEndpoint, d.perEndpoint, d.maxInFlight); n > 0 {
			reserved[q.EndpointID] = n
			order = append(order, q.EndpointID)
		}
	}
	if len(order) == 0 {
		return 0, next, nil
	}
	var jobs []hubdb.ClaimedWebhookDelivery
	err = d.db.InTx(ctx, func(tx *hubdb.Tx) error {
		jobs = jobs[:0]
		for _, ep := range order {
			claimed, err := tx.ClaimDueWebhookDeliveries(ctx, ep, now, d.timeout+leaseSlack, reserved[ep])
			if err != nil {
				return err
			}
			jobs = append(jobs, claimed...)
		}
		return nil
	})
	if err != nil {
		jobs = nil
	}
	for _, j := range jobs {
		reserved[j.EndpointID]--
	}
	for ep, unused := range reserved {
		if unused > 0 {
			d.slots.free(ep, unused)
		}
	}
	if err != nil {
		return 0, next, fmt.Errorf("webhook claim: %w", err)
	}
	for _, j := range jobs {
		start(j)
	}
	return len(jobs), next, nil
}

// outcome is what one POST produced.
type outcome struct {
	status     int
	err        string
	retryAfter time.Duration
	hasRetry   bool
}

func (o outcome) ok() bool { return o.err == "" && o.status >= 200 && o.status < 300 }

func (d *Dispatcher) attempt(ctx context.Context, j hubdb.ClaimedWebhookDelivery) error {
	started := d.now()
	wallStart := time.Now()
	var out outcome
	if secret, err := d.secretOf(j.EndpointID, j.Secret, j.SealedSecret); err != nil {
		// Logged as a failed attempt, so it shows in the delivery log and
		// dead-letters in the end; a redrive after fixing the key resends.
		d.log.ErrorContext(ctx, "webhook secret cannot be opened", "endpoint", j.EndpointID, "err", err)
		out = outcome{err: "secret: " + err.Error()}
	} else {
		out = d.post(ctx, j, secret, started)
	}
	if ctx.Err() != nil {
		// Shutting down: this attempt does not count. Make the delivery due
		// again at once so the next Run picks it up without waiting out the lease.
		ctx := context.WithoutCancel(ctx)
		if err := d.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.ReleaseWebhookDelivery(ctx, j.ID, started) }); err != nil {
			return fmt.Errorf("webhook delivery %d: release: %w", j.ID, err)
		}
		return nil
	}
	a := hubdb.WebhookAttempt{
		DeliveryID: j.ID, Number: j.Logged + 1, StartedAt: started, Duration: time.Since(wallStart),
		StatusCode: out.status, Error: out.err,
	}
	state := StateDelivered
	var finished *time.Time
	switch {
	case out.ok():
		finished = new(d.now())
	case j.Attempts+1 >= d.maxAttempts:
		state = StateDead
		finished = new(d.now())
		d.log.WarnContext(ctx, "webhook delivery dead-lettered", "delivery", j.ID, "endpoint", j.EndpointID, "event", j.EventID, "attempts", j.Attempts+1, "status", out.status, "error", out.err)
	default:
		state = StatePending
		delay := d.backoff(j.Attempts + 1)
		if out.hasRetry {
			delay = out.retryAfter // capped at maxRetryAft by the parse
		}
		a.RetryAt = new(d.now().Add(delay))
	}
	// The POST happened: its result is written even if shutdown begins
	// now, or the receiver would get it again after the lease.
	ctx = context.WithoutCancel(ctx)
	if err := d.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.RecordWebhookAttempt(ctx, a, state, finished) }); err != nil {
		return fmt.Errorf("webhook delivery %d: record: %w", j.ID, err)
	}
	return nil
}

func (d *Dispatcher) post(ctx context.Context, j hubdb.ClaimedWebhookDelivery, secret string, at time.Time) outcome {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(j.Body))
	if err != nil {
		return outcome{err: "build request: " + redact(err)}
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "IntakeBench-Webhooks/1")
	req.Header.Set(HeaderID, j.EventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, j.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		return outcome{err: redact(err)}
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body is not kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	out := outcome{status: resp.StatusCode}
	if !out.ok() {
		out.err = "HTTP " + resp.Status
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		out.retryAfter, out.hasRetry = retryafter.Parse(resp.Header.Get("Retry-After"), d.now(), d.maxRetryAft)
	}
	return out
}

// redact drops the URL from transport errors: endpoint URLs may carry
// credentials or tokens and the error text is stored and served.
func redact(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// backoff is the delay after the n-th failed attempt: base·2^(n-1), capped,
// then jittered.
func (d *Dispatcher) backoff(n int) time.Duration {
	delay := d.baseBackoff
	for i := 1; i < n && delay < d.maxBackoff; i++ {
		delay *= 2
	}
	return d.jitter(min(delay, d.maxBackoff))
}
