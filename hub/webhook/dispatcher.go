// Package webhook delivers signed event notifications to registered HTTP
// endpoints through a durable outbox.
//
// Publish writes the event and one delivery row per matching endpoint to
// the hub database (package hubdb) before it returns, so an event whose
// Publish returned nil is delivered at least once even if the process dies
// right after; PublishTx does the same inside a transaction of the caller,
// so the event commits with the change it reports. Run is the worker that
// POSTs due deliveries, retries failures with exponential backoff and
// jitter (honouring Retry-After on 429 and 503), and dead-letters a
// delivery after the configured number of attempts. Every attempt is
// logged and readable with Deliveries.
//
// Receivers get at-least-once delivery: the same event may arrive twice
// (e.g. a crash after the POST but before the result was written), so they
// should deduplicate on X-Webhook-Id, which is the event id and stays the
// same across retries. Ordering between events is not guaranteed.
package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
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

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/httpx"
	"github.com/intakebench/intakebench/internal/retryafter"
)

// Event types this package knows. Publish refuses others (a typo would
// otherwise silently reach nobody); Config.EventTypes adds more.
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
	StatePending   = hubdb.WebhookPending
	StateDelivered = hubdb.WebhookDelivered
	StateDead      = hubdb.WebhookDead      // gave up after MaxAttempts: dead-lettered
	StateCancelled = hubdb.WebhookCancelled // endpoint removed before delivery
)

// ErrNotFound reports an unknown endpoint.
var ErrNotFound = errors.New("webhook: not found")

// ErrUnknownEventType reports a Publish or registration with an event type
// the dispatcher does not know.
var ErrUnknownEventType = errors.New("webhook: unknown event type")

// Dispatcher registers endpoints, records events and delivers them.
type Dispatcher struct {
	db          *hubdb.DB
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

// Config tunes a Dispatcher. The zero value of every field means its
// default, so Config{} is a production set-up; negative numbers are refused.
type Config struct {
	// HTTPClient sends the deliveries. Default: a client that does not
	// follow redirects (a 3xx counts as a failed attempt), because a
	// redirect would re-send the signed body somewhere the owner never
	// registered.
	HTTPClient *http.Client
	// Now is the clock of event times, due times and signatures. Default:
	// time.Now.
	Now func() time.Time
	// MaxAttempts is how many attempts a delivery gets before it is
	// dead-lettered. Default: 10.
	MaxAttempts int
	// BaseBackoff is the delay before the second attempt; it doubles after
	// each failure up to MaxBackoff. Defaults: 30s and 2h, so the default
	// ten attempts span about four hours. BaseBackoff must not exceed
	// MaxBackoff.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Jitter turns each backoff delay into the one waited. Default: keep
	// half the delay and randomise the other half, so endpoints that failed
	// together do not all retry in the same instant.
	Jitter func(time.Duration) time.Duration
	// MaxRetryAfter caps how long a receiver's Retry-After (on 429 and 503)
	// can postpone a delivery. Default: 6h.
	MaxRetryAfter time.Duration
	// Timeout bounds one delivery attempt. Default: 10s.
	Timeout time.Duration
	// PollInterval is how often Run looks for due deliveries when nothing
	// woke it. Default: 5s.
	PollInterval time.Duration
	// Concurrency is how many deliveries run at once. Default: 4.
	Concurrency int
	// Logger logs dead letters and failed rounds; secrets and signatures
	// are never logged. Default: discard.
	Logger *slog.Logger
	// EventTypes are event types allowed beyond the built-in EventTypes().
	// Default: none.
	EventTypes []string
}

// New returns a dispatcher on db, configured by cfg (see Config for the
// defaults of its zero fields).
func New(db *hubdb.DB, cfg Config) (*Dispatcher, error) {
	if db == nil {
		return nil, errors.New("webhook: nil db")
	}
	for _, f := range []struct {
		name     string
		negative bool
		v        any
	}{
		{"MaxAttempts", cfg.MaxAttempts < 0, cfg.MaxAttempts}, {"Concurrency", cfg.Concurrency < 0, cfg.Concurrency},
		{"BaseBackoff", cfg.BaseBackoff < 0, cfg.BaseBackoff}, {"MaxBackoff", cfg.MaxBackoff < 0, cfg.MaxBackoff},
		{"MaxRetryAfter", cfg.MaxRetryAfter < 0, cfg.MaxRetryAfter}, {"Timeout", cfg.Timeout < 0, cfg.Timeout},
		{"PollInterval", cfg.PollInterval < 0, cfg.PollInterval},
	} {
		if f.negative {
			return nil, fmt.Errorf("webhook: Config.%s is %v: want 0 (the default) or more", f.name, f.v)
		}
	}
	d := &Dispatcher{
		db:          db,
		client:      cfg.HTTPClient,
		now:         cfg.Now,
		jitter:      cfg.Jitter,
		log:         cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler)),
		types:       map[string]bool{},
		maxAttempts: cmp.Or(cfg.MaxAttempts, 10),
		baseBackoff: cmp.Or(cfg.BaseBackoff, 30*time.Second),
		maxBackoff:  cmp.Or(cfg.MaxBackoff, 2*time.Hour),
		maxRetryAft: cmp.Or(cfg.MaxRetryAfter, 6*time.Hour),
		timeout:     cmp.Or(cfg.Timeout, 10*time.Second),
		poll:        cmp.Or(cfg.PollInterval, 5*time.Second),
		batch:       32,
		concurrency: cmp.Or(cfg.Concurrency, 4),
		wake:        make(chan struct{}, 1),
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.jitter == nil {
		d.jitter = equalJitter
	}
	if d.client == nil {
		d.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	for _, t := range slices.Concat(EventTypes(), cfg.EventTypes) {
		d.types[t] = true
	}
	if d.maxBackoff < d.baseBackoff {
		return nil, fmt.Errorf("webhook: backoff base %s and max %s: want base <= max", d.baseBackoff, d.maxBackoff)
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

func endpointOf(ep hubdb.WebhookEndpoint) Endpoint {
	return Endpoint{ID: ep.ID, URL: ep.URL, Events: ep.Events, CreatedAt: ep.CreatedAt}
}

// wants reports whether an endpoint subscribed to events receives kind.
func wants(events []string, kind string) bool {
	return len(events) == 0 || slices.Contains(events, kind)
}

// Register adds an endpoint receiving the given event types (none or "*"
// means all). An empty secret gets a generated one. It returns the
// endpoint and its secret. A rejected input is an *httpx.FieldError.
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
		return Endpoint{}, "", &httpx.FieldError{Field: "secret", Issue: "invalid_length", Message: "secret must be 16 to 256 characters"}
	}
	// Truncated to what the database keeps, so the answer equals a later read.
	ep := Endpoint{ID: "we_" + strings.ToLower(rand.Text()), URL: u, Events: events, CreatedAt: d.now().UTC().Truncate(time.Millisecond)}
	row := hubdb.WebhookEndpoint{ID: ep.ID, URL: ep.URL, Secret: secret, Events: ep.Events, CreatedAt: ep.CreatedAt}
	if err := d.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.InsertWebhookEndpoint(ctx, row) }); err != nil {
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
			return nil, &httpx.FieldError{Field: "events", Issue: "unknown_event_type", Message: fmt.Sprintf("unknown event type %q (known: %s)", e, strings.Join(d.knownTypes(), ", "))}
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
	var rows []hubdb.WebhookEndpoint
	err := d.db.View(ctx, func(tx *hubdb.Tx) error {
		var err error
		rows, err = tx.WebhookEndpoints(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	var out []Endpoint
	for _, ep := range rows {
		out = append(out, endpointOf(ep))
	}
	return out, nil
}

// Remove unregisters an endpoint and cancels its pending deliveries. Its
// delivery log stays readable.
func (d *Dispatcher) Remove(ctx context.Context, id string) error {
	err := d.db.InTx(ctx, func(tx *hubdb.Tx) error {
		now := d.now()
		if err := tx.SoftDeleteWebhookEndpoint(ctx, id, now); errors.Is(err, hubdb.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		_, err := tx.CancelPendingWebhookDeliveries(ctx, id, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("webhook remove %s: %w", id, err)
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
	if err := d.db.InTx(ctx, func(tx *hubdb.Tx) error { return d.publish(ctx, tx, kind, payload) }); err != nil {
		return fmt.Errorf("webhook publish %q: %w", kind, err)
	}
	d.Wake()
	return nil
}

// PublishTx is Publish inside the caller's transaction, so the event
// commits or rolls back with the state change it describes (a
// transactional outbox). Call Wake after the commit to deliver at once
// rather than at the next poll.
func (d *Dispatcher) PublishTx(ctx context.Context, tx *hubdb.Tx, kind string, payload any) error {
	if err := d.publish(ctx, tx, kind, payload); err != nil {
		return fmt.Errorf("webhook publish %q: %w", kind, err)
	}
	return nil
}

func (d *Dispatcher) publish(ctx context.Context, tx *hubdb.Tx, kind string, payload any) error {
	if !d.types[kind] {
		return ErrUnknownEventType
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	now := d.now().UTC()
	env := envelope{ID: "evt_" + strings.ToLower(rand.Text()), Type: kind, CreatedAt: now, Data: data}
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("envelope: %w", err)
	}
	if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: env.ID, Type: kind, CreatedAt: now, Body: body}); err != nil {
		return err
	}
	eps, err := tx.WebhookEndpoints(ctx)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		if !wants(ep.Events, kind) {
			continue
		}
		if _, err := tx.InsertWebhookDelivery(ctx, env.ID, ep.ID, now); err != nil {
			return err
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
// are leased in a write transaction, so a row is claimed by one worker at
// a time) but buys nothing, as SQLite has one writer anyway.
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

func (d *Dispatcher) nextDue(ctx context.Context) (next time.Time, ok bool, err error) {
	err = d.db.View(ctx, func(tx *hubdb.Tx) error {
		next, ok, err = tx.NextWebhookDue(ctx)
		return err
	})
	return next, ok, err
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

// claim picks due deliveries and leases them past the attempt's timeout,
// so if the process dies mid-attempt the delivery comes due again by
// itself and is retried (at-least-once).
func (d *Dispatcher) claim(ctx context.Context) ([]hubdb.ClaimedWebhookDelivery, error) {
	var jobs []hubdb.ClaimedWebhookDelivery
	err := d.db.InTx(ctx, func(tx *hubdb.Tx) error {
		var err error
		jobs, err = tx.ClaimDueWebhookDeliveries(ctx, d.now(), d.timeout+30*time.Second, d.batch)
		return err
	})
	if err != nil {
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

func (d *Dispatcher) attempt(ctx context.Context, j hubdb.ClaimedWebhookDelivery) error {
	started := d.now()
	wallStart := time.Now()
	out := d.post(ctx, j, started)
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
		DeliveryID: j.ID, Number: j.Attempts + 1, StartedAt: started, Duration: time.Since(wallStart),
		StatusCode: out.status, Error: out.err,
	}
	state := StateDelivered
	var finished *time.Time
	switch {
	case out.ok():
		finished = new(d.now())
	case a.Number >= d.maxAttempts:
		state = StateDead
		finished = new(d.now())
		d.log.WarnContext(ctx, "webhook delivery dead-lettered", "delivery", j.ID, "event", j.EventID, "attempts", a.Number, "status", out.status, "error", out.err)
	default:
		state = StatePending
		delay := d.backoff(a.Number)
		if out.hasRetry {
			delay = out.retryAfter // capped at maxRetryAft by the parse
		}
		a.RetryAt = new(d.now().Add(delay))
	}
	if err := d.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.RecordWebhookAttempt(ctx, a, state, finished) }); err != nil {
		return fmt.Errorf("webhook delivery %d: record: %w", j.ID, err)
	}
	return nil
}

func (d *Dispatcher) post(ctx context.Context, j hubdb.ClaimedWebhookDelivery, at time.Time) outcome {
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
	req.Header.Set(HeaderSignature, Sign(j.Secret, ts, j.Body))
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

func deliveryOf(r hubdb.WebhookDelivery) Delivery {
	dl := Delivery{
		ID: r.ID, EventID: r.EventID, EventType: r.EventType, EndpointID: r.EndpointID, State: r.State,
		Attempts: r.Attempts, LastStatus: r.LastStatus, LastError: r.LastError, CreatedAt: r.CreatedAt,
		FinishedAt: r.FinishedAt, Log: []Attempt{},
	}
	if dl.State == StatePending {
		dl.NextAttemptAt = new(r.NextAttemptAt)
	}
	for _, a := range r.Log {
		dl.Log = append(dl.Log, Attempt{
			Number: a.Number, StartedAt: a.StartedAt, DurationMS: a.Duration.Milliseconds(),
			StatusCode: a.StatusCode, Error: a.Error, RetryAt: a.RetryAt,
		})
	}
	return dl
}

// Deliveries returns the deliveries to an endpoint (also a removed one),
// newest first, with their attempt logs.
func (d *Dispatcher) Deliveries(ctx context.Context, endpointID string) ([]Delivery, error) {
	var rows []hubdb.WebhookDelivery
	err := d.db.View(ctx, func(tx *hubdb.Tx) error {
		if _, err := tx.WebhookEndpoint(ctx, endpointID); errors.Is(err, hubdb.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		var err error
		rows, err = tx.WebhookDeliveries(ctx, endpointID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries %s: %w", endpointID, err)
	}
	var out []Delivery
	for _, r := range rows {
		out = append(out, deliveryOf(r))
	}
	return out, nil
}
