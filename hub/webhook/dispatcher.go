// Package webhook delivers signed event notifications to registered HTTP
// endpoints through a durable outbox.
//
// Publish writes the event and one delivery row per matching endpoint to
// SQLite before it returns, so an event whose Publish returned nil is
// delivered at least once even if the process dies right after. Run is the
// worker that POSTs due deliveries, retries failures with exponential
// backoff and jitter (honouring Retry-After on 429 and 503), and
// dead-letters a delivery after the configured number of attempts. Every
// attempt is logged and readable with Deliveries.
//
// Receivers get at-least-once delivery: the same event may arrive twice
// (e.g. a crash after the POST but before the result was written), so they
// should deduplicate on X-Webhook-Id, which is the event id and stays the
// same across retries. Ordering between events is not guaranteed.
package webhook

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event types this package knows. Publish refuses others (a typo would
// otherwise silently reach nobody); WithEventTypes adds more.
const (
	EventQuoteCreated          = "buyback.quote.created"
	EventQuoteApproved         = "buyback.quote.approved"
	EventQuoteDeclined         = "buyback.quote.declined"
	EventTradeInReceived       = "tradein.received"
	EventTradeInGraded         = "tradein.graded"
	EventTradeInRerouted       = "tradein.rerouted"
	EventTradeInPayoutDeclined = "tradein.payout_declined"
	EventTradeInCounterOffer   = "tradein.counter_offer"
)

// EventTypes lists the built-in event types.
func EventTypes() []string {
	return []string{
		EventQuoteCreated, EventQuoteApproved, EventQuoteDeclined,
		EventTradeInReceived, EventTradeInGraded, EventTradeInRerouted,
		EventTradeInPayoutDeclined, EventTradeInCounterOffer,
	}
}

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateDead      = "dead"      // gave up after MaxAttempts: dead-lettered
	StateCancelled = "cancelled" // endpoint removed before delivery
)

// ErrNotFound reports an unknown endpoint.
var ErrNotFound = errors.New("webhook: not found")

// ErrUnknownEventType reports a Publish or registration with an event type
// the dispatcher does not know.
var ErrUnknownEventType = errors.New("webhook: unknown event type")

// Dispatcher registers endpoints, records events and delivers them.
type Dispatcher struct {
	db          *sql.DB
	client      *http.Client
	now         func() time.Time
	jitter      func(time.Duration) time.Duration
	log         *slog.Logger
	types       map[string]bool
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	maxRetryAft time.Duration
	timeout     time.Duration
	poll        time.Duration
	batch       int
	concurrency int
	wake        chan struct{}
}

// Option configures a Dispatcher.
type Option func(*Dispatcher)

// WithHTTPClient sets the client used for deliveries. The default client
// does not follow redirects (a 3xx counts as a failed attempt), because a
// redirect would re-send the signed body somewhere the owner never registered.
func WithHTTPClient(c *http.Client) Option { return func(d *Dispatcher) { d.client = c } }

// WithClock sets the clock for event times, due times and signatures.
func WithClock(now func() time.Time) Option { return func(d *Dispatcher) { d.now = now } }

// WithMaxAttempts sets how many attempts a delivery gets before it is
// dead-lettered (default 10).
func WithMaxAttempts(n int) Option { return func(d *Dispatcher) { d.maxAttempts = max(n, 1) } }

// WithBackoff sets the delay before the second attempt and the cap; the
// delay doubles after each failure (defaults 30s and 2h, so the default ten
// attempts span about four hours).
func WithBackoff(base, maximum time.Duration) Option {
	return func(d *Dispatcher) { d.baseBackoff, d.maxBackoff = base, maximum }
}

// WithJitter replaces the jitter applied to each backoff delay. The
// default keeps half the delay and randomises the other half, so endpoints
// that failed together do not all retry in the same instant.
func WithJitter(f func(time.Duration) time.Duration) Option {
	return func(d *Dispatcher) { d.jitter = f }
}

// WithMaxRetryAfter caps how long a receiver's Retry-After can postpone a
// delivery (default 6h).
func WithMaxRetryAfter(v time.Duration) Option { return func(d *Dispatcher) { d.maxRetryAft = v } }

// WithTimeout bounds one delivery attempt (default 10s).
func WithTimeout(v time.Duration) Option { return func(d *Dispatcher) { d.timeout = v } }

// WithPollInterval sets how often Run looks for due deliveries when
// nothing woke it (default 5s).
func WithPollInterval(v time.Duration) Option { return func(d *Dispatcher) { d.poll = v } }

// WithConcurrency sets how many deliveries run at once (default 4).
func WithConcurrency(n int) Option { return func(d *Dispatcher) { d.concurrency = max(n, 1) } }

// WithLogger sets the logger. Secrets and signatures are never logged.
func WithLogger(l *slog.Logger) Option { return func(d *Dispatcher) { d.log = l } }

// WithEventTypes allows event types beyond EventTypes.
func WithEventTypes(types ...string) Option {
	return func(d *Dispatcher) {
		for _, t := range types {
			d.types[t] = true
		}
	}
}

// New returns a dispatcher on db, whose tables Migrate must have created.
func New(db *sql.DB, opts ...Option) (*Dispatcher, error) {
	if db == nil {
		return nil, errors.New("webhook: nil db")
	}
	d := &Dispatcher{
		db: db,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		now:         time.Now,
		jitter:      equalJitter,
		log:         slog.New(slog.DiscardHandler),
		types:       map[string]bool{},
		maxAttempts: 10,
		baseBackoff: 30 * time.Second,
		maxBackoff:  2 * time.Hour,
		maxRetryAft: 6 * time.Hour,
		timeout:     10 * time.Second,
		poll:        5 * time.Second,
		batch:       32,
		concurrency: 4,
		wake:        make(chan struct{}, 1),
	}
	for _, t := range EventTypes() {
		d.types[t] = true
	}
	for _, o := range opts {
		o(d)
	}
	if d.baseBackoff <= 0 || d.maxBackoff < d.baseBackoff {
		return nil, fmt.Errorf("webhook: backoff base %s and max %s: want 0 < base <= max", d.baseBackoff, d.maxBackoff)
	}
	return d, nil
}

func equalJitter(v time.Duration) time.Duration {
	half := v / 2
	return half + mrand.N(half+1)
}

// Endpoint is a registered receiver. Its secret is only ever returned by
// Register.
type Endpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"` // empty: every event type
	CreatedAt time.Time `json:"created_at"`
}

func (e Endpoint) wants(kind string) bool {
	return len(e.Events) == 0 || slices.Contains(e.Events, kind)
}

// Register adds an endpoint receiving the given event types (none or "*"
// means all). An empty secret gets a generated one. It returns the
// endpoint and its secret.
func (d *Dispatcher) Register(ctx context.Context, rawURL string, events []string, secret string) (Endpoint, string, error) {
	u, err := validateURL(rawURL)
	if err != nil {
		return Endpoint{}, "", err
	}
	events, err = d.normaliseEvents(events)
	if err != nil {
		return Endpoint{}, "", err
	}
	if secret == "" {
		secret = "whsec_" + rand.Text()
	} else if len(secret) < 16 || len(secret) > 256 {
		return Endpoint{}, "", &ValidationError{Field: "secret", Issue: "invalid_length", Message: "secret must be 16 to 256 characters"}
	}
	ep := Endpoint{ID: "we_" + strings.ToLower(rand.Text()), URL: u, Events: events, CreatedAt: d.now().UTC().Truncate(time.Millisecond)}
	evJSON, err := json.Marshal(events)
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhook register: %w", err)
	}
	if _, err := d.db.ExecContext(ctx,
		`INSERT INTO webhook_endpoints(id, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?)`,
		ep.ID, ep.URL, secret, string(evJSON), ep.CreatedAt.UnixMilli()); err != nil {
		return Endpoint{}, "", fmt.Errorf("webhook register: %w", err)
	}
	return ep, secret, nil
}

func (d *Dispatcher) normaliseEvents(events []string) ([]string, error) {
	out := []string{}
	for _, e := range events {
		if e == "*" {
			return []string{}, nil
		}
		if !d.types[e] {
			return nil, &ValidationError{Field: "events", Issue: "unknown_event_type", Message: fmt.Sprintf("unknown event type %q (known: %s)", e, strings.Join(d.knownTypes(), ", "))}
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (d *Dispatcher) knownTypes() []string {
	var out []string
	for t := range d.types {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Endpoints lists the registered (not removed) endpoints, oldest first.
func (d *Dispatcher) Endpoints(ctx context.Context) ([]Endpoint, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, url, events, created_at FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []Endpoint
	for rows.Next() {
		ep, _, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ep)
	}
	return out, rows.Err()
}

func scanEndpoint(rows interface{ Scan(...any) error }, extra ...any) (Endpoint, string, error) {
	var ep Endpoint
	var events string
	var created int64
	if err := rows.Scan(append([]any{&ep.ID, &ep.URL, &events, &created}, extra...)...); err != nil {
		return Endpoint{}, "", fmt.Errorf("webhook: read endpoint: %w", err)
	}
	if err := json.Unmarshal([]byte(events), &ep.Events); err != nil {
		return Endpoint{}, "", fmt.Errorf("webhook: endpoint %s events: %w", ep.ID, err)
	}
	ep.CreatedAt = time.UnixMilli(created).UTC()
	return ep, events, nil
}

// Remove unregisters an endpoint and cancels its pending deliveries. Its
// delivery log stays readable.
func (d *Dispatcher) Remove(ctx context.Context, id string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webhook remove: %w", err)
	}
	defer tx.Rollback()
	now := d.now().UnixMilli()
	res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, now, id)
	if err != nil {
		return fmt.Errorf("webhook remove: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook remove %s: %w", id, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'cancelled', finished_at = ? WHERE endpoint_id = ? AND state = 'pending'`, now, id); err != nil {
		return fmt.Errorf("webhook remove: cancel deliveries: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webhook remove: %w", err)
	}
	return nil
}

// envelope is the JSON body of every delivery.
type envelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Publish records an event of type kind with payload and queues one
// delivery per endpoint that wants it, durably, before returning. The hub
// core calls it through its EventSink interface.
func (d *Dispatcher) Publish(ctx context.Context, kind string, payload any) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webhook publish %s: %w", kind, err)
	}
	defer tx.Rollback()
	if err := d.PublishTx(ctx, tx, kind, payload); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webhook publish %s: commit: %w", kind, err)
	}
	d.Wake()
	return nil
}

// PublishTx is Publish inside the caller's transaction, so the event
// commits or rolls back with the state change it describes. Call Wake
// after the commit to deliver at once rather than at the next poll.
func (d *Dispatcher) PublishTx(ctx context.Context, tx *sql.Tx, kind string, payload any) error {
	if !d.types[kind] {
		return fmt.Errorf("webhook publish %q: %w", kind, ErrUnknownEventType)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("webhook publish %s: payload: %w", kind, err)
	}
	now := d.now().UTC()
	env := envelope{ID: "evt_" + strings.ToLower(rand.Text()), Type: kind, CreatedAt: now, Data: data}
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("webhook publish %s: %w", kind, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_events(id, type, created_at, body) VALUES (?, ?, ?, ?)`,
		env.ID, kind, now.UnixMilli(), body); err != nil {
		return fmt.Errorf("webhook publish %s: %w", kind, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, url, events, created_at FROM webhook_endpoints WHERE deleted_at IS NULL`)
	if err != nil {
		return fmt.Errorf("webhook publish %s: endpoints: %w", kind, err)
	}
	var targets []string
	for rows.Next() {
		ep, _, err := scanEndpoint(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if ep.wants(kind) {
			targets = append(targets, ep.ID)
		}
	}
	// Read everything before writing: the transaction has one connection.
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("webhook publish %s: endpoints: %w", kind, err)
	}
	for _, id := range targets {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO webhook_deliveries(event_id, endpoint_id, state, next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)`,
			env.ID, id, now.UnixMilli(), now.UnixMilli()); err != nil {
			return fmt.Errorf("webhook publish %s: queue for %s: %w", kind, id, err)
		}
	}
	return nil
}

// Wake makes Run look for due deliveries now.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers due deliveries until ctx ends, then returns nil. One
// worker per database is the intended set-up; a second one is safe (claims
// are leased in an immediate transaction, so a row is claimed by one worker
// at a time) but buys nothing, as SQLite has one writer anyway.
func (d *Dispatcher) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := d.DeliverDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.log.ErrorContext(ctx, "webhook delivery round failed", "err", err)
		}
		if n > 0 && err == nil {
			continue // maybe more were due than one batch
		}
		wait := d.poll
		if next, ok, err := d.nextDue(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(d.now()), time.Millisecond))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-timer.C:
		}
	}
}

func (d *Dispatcher) nextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'`).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return time.UnixMilli(next.Int64), true, nil
}

// job is one claimed delivery.
type job struct {
	id       int64
	eventID  string
	attempts int
	url      string
	secret   string
	body     []byte
}

// DeliverDue makes one attempt at every delivery due now (up to one batch)
// and returns how many it attempted. Run calls it in a loop; tests call it
// directly with a fake clock.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	jobs, err := d.claim(ctx)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, d.concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.attempt(ctx, j); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(jobs), errors.Join(errs...)
}

// claim picks due deliveries and leases them: their due time moves past
// the attempt's timeout, so if the process dies mid-attempt the delivery
// comes due again by itself and is retried (at-least-once).
func (d *Dispatcher) claim(ctx context.Context) ([]job, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("webhook claim: %w", err)
	}
	defer tx.Rollback()
	now := d.now()
	rows, err := tx.QueryContext(ctx, `
		SELECT d.id, d.event_id, d.attempts, e.url, e.secret, ev.body
		FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.state = 'pending' AND d.next_attempt_at <= ?
		ORDER BY d.next_attempt_at, d.id LIMIT ?`, now.UnixMilli(), d.batch)
	if err != nil {
		return nil, fmt.Errorf("webhook claim: %w", err)
	}
	var jobs []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.id, &j.eventID, &j.attempts, &j.url, &j.secret, &j.body); err != nil {
			rows.Close()
			return nil, fmt.Errorf("webhook claim: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("webhook claim: %w", err)
	}
	lease := now.Add(d.timeout + 30*time.Second).UnixMilli()
	for _, j := range jobs {
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?`, lease, j.id); err != nil {
			return nil, fmt.Errorf("webhook claim: lease %d: %w", j.id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("webhook claim: %w", err)
	}
	return jobs, nil
}

// outcome is what one POST produced.
type outcome struct {
	status     int
	err        string
	retryAfter time.Duration
	hasRetry   bool
}

func (o outcome) ok() bool { return o.err == "" && o.status >= 200 && o.status < 300 }

func (d *Dispatcher) attempt(ctx context.Context, j job) error {
	started := d.now()
	wallStart := time.Now()
	out := d.post(ctx, j, started)
	if ctx.Err() != nil {
		// Shutting down: this attempt does not count. Make the delivery due
		// again at once so the next Run picks it up without waiting out the lease.
		_, err := d.db.ExecContext(context.WithoutCancel(ctx), `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND state = 'pending'`, started.UnixMilli(), j.id)
		return err
	}
	elapsed := time.Since(wallStart)
	number := j.attempts + 1
	state, retryAt := StateDelivered, sql.NullInt64{}
	var finished sql.NullInt64
	switch {
	case out.ok():
		finished = sql.NullInt64{Int64: d.now().UnixMilli(), Valid: true}
	case number >= d.maxAttempts:
		state = StateDead
		finished = sql.NullInt64{Int64: d.now().UnixMilli(), Valid: true}
		d.log.WarnContext(ctx, "webhook delivery dead-lettered", "delivery", j.id, "event", j.eventID, "attempts", number, "status", out.status, "error", out.err)
	default:
		state = StatePending
		delay := d.backoff(number)
		if out.hasRetry {
			delay = min(out.retryAfter, d.maxRetryAft)
		}
		retryAt = sql.NullInt64{Int64: d.now().Add(delay).UnixMilli(), Valid: true}
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webhook delivery %d: record: %w", j.id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts(delivery_id, number, started_at, duration_ms, status_code, error, retry_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		j.id, number, started.UnixMilli(), elapsed.Milliseconds(), out.status, out.err, retryAt); err != nil {
		return fmt.Errorf("webhook delivery %d: record attempt: %w", j.id, err)
	}
	next := started.UnixMilli()
	if retryAt.Valid {
		next = retryAt.Int64
	}
	// state = 'pending' guards against resurrecting a delivery whose
	// endpoint was removed while the POST was in flight.
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, finished_at = ? WHERE id = ? AND state = 'pending'`,
		state, number, next, out.status, out.err, finished, j.id); err != nil {
		return fmt.Errorf("webhook delivery %d: record: %w", j.id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webhook delivery %d: record: %w", j.id, err)
	}
	return nil
}

func (d *Dispatcher) post(ctx context.Context, j job, at time.Time) outcome {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, strings.NewReader(string(j.body)))
	if err != nil {
		return outcome{err: "build request: " + redact(err)}
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "IntakeBench-Webhooks/1")
	req.Header.Set(HeaderID, j.eventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(j.secret, ts, j.body))
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
		out.retryAfter, out.hasRetry = parseRetryAfter(resp.Header.Get("Retry-After"), d.now())
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

// parseRetryAfter reads delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(1<<32))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
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

// Attempt is one logged delivery attempt.
type Attempt struct {
	Number     int        `json:"number"`
	StartedAt  time.Time  `json:"started_at"`
	DurationMS int64      `json:"duration_ms"`
	StatusCode int        `json:"status_code"` // 0: no HTTP response
	Error      string     `json:"error,omitempty"`
	RetryAt    *time.Time `json:"retry_at,omitempty"`
}

// Delivery is one event's delivery to one endpoint, with its attempt log.
type Delivery struct {
	ID            int64      `json:"id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	EndpointID    string     `json:"endpoint_id"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"` // pending only
	LastStatus    int        `json:"last_status"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	Log           []Attempt  `json:"log"`
}

// Deliveries returns the deliveries to an endpoint (also a removed one),
// newest first, with their attempt logs.
func (d *Dispatcher) Deliveries(ctx context.Context, endpointID string) ([]Delivery, error) {
	var exists int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE id = ?`, endpointID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	if exists == 0 {
		return nil, fmt.Errorf("webhook deliveries %s: %w", endpointID, ErrNotFound)
	}
	rows, err := d.db.QueryContext(ctx, `
		SELECT d.id, d.event_id, ev.type, d.endpoint_id, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.finished_at
		FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.endpoint_id = ? ORDER BY d.id DESC`, endpointID)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	var out []Delivery
	byID := map[int64]int{}
	for rows.Next() {
		var dl Delivery
		var next, created int64
		var finished sql.NullInt64
		if err := rows.Scan(&dl.ID, &dl.EventID, &dl.EventType, &dl.EndpointID, &dl.State, &dl.Attempts, &next, &dl.LastStatus, &dl.LastError, &created, &finished); err != nil {
			rows.Close()
			return nil, fmt.Errorf("webhook deliveries: %w", err)
		}
		dl.CreatedAt = time.UnixMilli(created).UTC()
		if dl.State == StatePending {
			t := time.UnixMilli(next).UTC()
			dl.NextAttemptAt = &t
		}
		if finished.Valid {
			t := time.UnixMilli(finished.Int64).UTC()
			dl.FinishedAt = &t
		}
		dl.Log = []Attempt{}
		byID[dl.ID] = len(out)
		out = append(out, dl)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	arows, err := d.db.QueryContext(ctx, `
		SELECT a.delivery_id, a.number, a.started_at, a.duration_ms, a.status_code, a.error, a.retry_at
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE d.endpoint_id = ? ORDER BY a.delivery_id, a.number`, endpointID)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: attempts: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var id, started int64
		var a Attempt
		var retry sql.NullInt64
		if err := arows.Scan(&id, &a.Number, &started, &a.DurationMS, &a.StatusCode, &a.Error, &retry); err != nil {
			return nil, fmt.Errorf("webhook deliveries: attempts: %w", err)
		}
		a.StartedAt = time.UnixMilli(started).UTC()
		if retry.Valid {
			t := time.UnixMilli(retry.Int64).UTC()
			a.RetryAt = &t
		}
		if i, ok := byID[id]; ok {
			out[i].Log = append(out[i].Log, a)
		}
	}
	return out, arows.Err()
}
