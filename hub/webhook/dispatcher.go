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
// # One queue per endpoint
//
// Each endpoint's pending deliveries are its own queue with its own
// budget of attempts in flight (Config.EndpointConcurrency). Run claims
// per endpoint, only as many as that endpoint has free slots, and starts
// the next attempt as soon as a slot frees, so an endpoint that hangs
// holds only its own slots, each for at most Config.Timeout, and then
// backs off like any failure; the other endpoints' deliveries go on.
// A claim is a lease in the database: a delivery claimed by a process
// that died comes due again when the lease ends.
//
// # Dead letters
//
// A delivery that failed Config.MaxAttempts times is dead-lettered. Dead
// lists them; Redrive puts them back in the queue, due at once, with
// their attempt count reset (the attempt log keeps numbering on).
//
// # Targets and secrets
//
// Unless Config.AllowPrivateTargets is set, an endpoint URL whose host is
// or resolves to a loopback, private (RFC 1918, fc00::/7), link-local,
// unspecified, multicast or otherwise internal address is refused at
// registration (issue "forbidden_address"), and, because DNS can change
// after that, every connection is checked again at dial time.
//
// Signing secrets are sealed at rest with AES-256-GCM under
// Config.Secrets; SealSecrets seals those of a database from before
// sealing. Signatures use the plaintext secret, as receivers hold it.
//
// Receivers get at-least-once delivery: the same event may arrive twice
// (e.g. a crash after the POST but before the result was written), so they
// should deduplicate on X-Webhook-Id, which is the event id and stays the
// same across retries. Ordering between events is not guaranteed.
package webhook

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/httpx"
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

// ErrNotFound reports an unknown endpoint, or one removed where only a
// registered one will do.
var ErrNotFound = errors.New("webhook: not found")

// ErrDeliveryNotFound reports a delivery that is not the given
// endpoint's.
var ErrDeliveryNotFound = errors.New("webhook: delivery not found")

// ErrNotDead reports a redrive of a delivery that is not dead-lettered.
var ErrNotDead = errors.New("webhook: delivery is not dead-lettered")

// ErrUnknownEventType reports a Publish or registration with an event type
// the dispatcher does not know.
var ErrUnknownEventType = errors.New("webhook: unknown event type")

// Dispatcher registers endpoints, records events and delivers them.
type Dispatcher struct {
	db           *hubdb.DB
	client       *http.Client
	now          func() time.Time
	jitter       func(time.Duration) time.Duration
	log          *slog.Logger
	types        map[string]bool
	maxAttempts  int
	baseBackoff  time.Duration
	maxBackoff   time.Duration
	maxRetryAft  time.Duration
	timeout      time.Duration
	poll         time.Duration
	perEndpoint  int
	maxInFlight  int
	allowPrivate bool
	resolver     Resolver
	sealer       *Sealer
	slots        slots
	wake         chan struct{}
}

// Config tunes a Dispatcher. The zero value of every field means its
// default, so Config{} is a production set-up apart from Secrets;
// negative numbers are refused.
type Config struct {
	// HTTPClient sends the deliveries. Default: a client that does not
	// follow redirects (a 3xx counts as a failed attempt, since a
	// redirect would re-send the signed body somewhere the owner never
	// registered) and, unless AllowPrivateTargets is set, refuses at dial
	// time the addresses that is about and uses no proxy (the guard would
	// check the proxy's address). A client of the caller's cannot carry
	// that guard, so setting HTTPClient requires AllowPrivateTargets: the
	// caller says it filters targets itself (e.g. an egress proxy).
	HTTPClient *http.Client
	// AllowPrivateTargets lets endpoints be on loopback, private,
	// link-local and other internal addresses. Off by default: whoever
	// may register a webhook could otherwise make the hub POST to its own
	// admin ports or a cloud metadata service. Tests and single-network
	// deployments that deliver to in-house receivers turn it on.
	AllowPrivateTargets bool
	// Resolver resolves endpoint host names at registration, to refuse a
	// name that points at a forbidden address. Default: net.DefaultResolver.
	Resolver Resolver
	// Secrets seals endpoint signing secrets at rest. nil keeps new
	// secrets in plaintext and fails deliveries whose secret is sealed
	// (ErrNoKey): give one in production (cmd/intakehub always does).
	Secrets *Sealer
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
	// Timeout bounds one delivery attempt, and so how long an endpoint
	// that never answers holds one of its slots. Default: 10s.
	Timeout time.Duration
	// PollInterval is how often Run looks for due deliveries when nothing
	// woke it. Default: 5s.
	PollInterval time.Duration
	// EndpointConcurrency is how many deliveries to one endpoint run at
	// once: each endpoint's own budget. Default: 4.
	EndpointConcurrency int
	// MaxInFlight bounds the deliveries running at once over all
	// endpoints: a bound on sockets and memory, not a fairness tool, so
	// keep it well above EndpointConcurrency times the number of
	// endpoints that may hang together. When it binds, the endpoints
	// waiting longest go first. Default: 256.
	MaxInFlight int
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
		{"MaxAttempts", cfg.MaxAttempts < 0, cfg.MaxAttempts},
		{"EndpointConcurrency", cfg.EndpointConcurrency < 0, cfg.EndpointConcurrency},
		{"MaxInFlight", cfg.MaxInFlight < 0, cfg.MaxInFlight},
		{"BaseBackoff", cfg.BaseBackoff < 0, cfg.BaseBackoff}, {"MaxBackoff", cfg.MaxBackoff < 0, cfg.MaxBackoff},
		{"MaxRetryAfter", cfg.MaxRetryAfter < 0, cfg.MaxRetryAfter}, {"Timeout", cfg.Timeout < 0, cfg.Timeout},
		{"PollInterval", cfg.PollInterval < 0, cfg.PollInterval},
	} {
		if f.negative {
			return nil, fmt.Errorf("webhook: Config.%s is %v: want 0 (the default) or more", f.name, f.v)
		}
	}
	if cfg.HTTPClient != nil && !cfg.AllowPrivateTargets {
		return nil, errors.New("webhook: Config.HTTPClient bypasses the dial-time address guard: set AllowPrivateTargets with it, or leave it nil")
	}
	d := &Dispatcher{
		db:           db,
		client:       cfg.HTTPClient,
		now:          cfg.Now,
		jitter:       cfg.Jitter,
		log:          cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler)),
		types:        map[string]bool{},
		maxAttempts:  cmp.Or(cfg.MaxAttempts, 10),
		baseBackoff:  cmp.Or(cfg.BaseBackoff, 30*time.Second),
		maxBackoff:   cmp.Or(cfg.MaxBackoff, 2*time.Hour),
		maxRetryAft:  cmp.Or(cfg.MaxRetryAfter, 6*time.Hour),
		timeout:      cmp.Or(cfg.Timeout, 10*time.Second),
		poll:         cmp.Or(cfg.PollInterval, 5*time.Second),
		perEndpoint:  cmp.Or(cfg.EndpointConcurrency, 4),
		maxInFlight:  cmp.Or(cfg.MaxInFlight, 256),
		allowPrivate: cfg.AllowPrivateTargets,
		resolver:     cfg.Resolver,
		sealer:       cfg.Secrets,
		slots:        slots{busy: map[string]int{}},
		wake:         make(chan struct{}, 1),
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.jitter == nil {
		d.jitter = equalJitter
	}
	if d.resolver == nil {
		d.resolver = net.DefaultResolver
	}
	if d.client == nil {
		d.client = newClient(!d.allowPrivate, d.perEndpoint)
	}
	for _, t := range slices.Concat(EventTypes(), SellerEventTypes(), cfg.EventTypes) {
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
// endpoint and its secret; the secret is stored sealed when the
// dispatcher has a key. A rejected input is an *httpx.FieldError.
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
	// Last: it may ask DNS, and a refused request should not wait for that.
	if err := d.checkTarget(ctx, u); err != nil {
		return Endpoint{}, "", err
	}
	// Truncated to what the database keeps, so the answer equals a later read.
	ep := Endpoint{ID: "we_" + strings.ToLower(rand.Text()), URL: u.String(), Events: events, CreatedAt: d.now().UTC().Truncate(time.Millisecond)}
	row := hubdb.WebhookEndpoint{ID: ep.ID, URL: ep.URL, Events: ep.Events, CreatedAt: ep.CreatedAt}
	row.Secret, row.SealedSecret = d.storedSecret(ep.ID, secret)
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

// Attempt is one logged delivery attempt.
type Attempt struct {
	Number     int        `json:"number"` // from 1, on across redrives
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
	Attempts      int        `json:"attempts"`                  // since queued or last redriven
	Redrives      int        `json:"redrives"`                  // times put back after dead-lettering
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
		Attempts: r.Attempts, Redrives: r.Redrives, LastStatus: r.LastStatus, LastError: r.LastError, CreatedAt: r.CreatedAt,
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
	out, err := d.deliveries(ctx, endpointID, (*hubdb.Tx).WebhookDeliveries)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries %s: %w", endpointID, err)
	}
	return out, nil
}

// Dead returns the dead-lettered deliveries to an endpoint (also a
// removed one), newest first, with their attempt logs.
func (d *Dispatcher) Dead(ctx context.Context, endpointID string) ([]Delivery, error) {
	out, err := d.deliveries(ctx, endpointID, (*hubdb.Tx).DeadWebhookDeliveries)
	if err != nil {
		return nil, fmt.Errorf("webhook dead letters %s: %w", endpointID, err)
	}
	return out, nil
}

func (d *Dispatcher) deliveries(ctx context.Context, endpointID string, read func(*hubdb.Tx, context.Context, string) ([]hubdb.WebhookDelivery, error)) ([]Delivery, error) {
	var rows []hubdb.WebhookDelivery
	err := d.db.View(ctx, func(tx *hubdb.Tx) error {
		if _, err := tx.WebhookEndpoint(ctx, endpointID); errors.Is(err, hubdb.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		var err error
		rows, err = read(tx, ctx, endpointID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []Delivery{}
	for _, r := range rows {
		out = append(out, deliveryOf(r))
	}
	return out, nil
}

// Redrive puts dead-lettered deliveries to a registered endpoint back in
// its queue, due now, their attempt counts reset, and returns their ids.
// deliveryID 0 redrives every dead delivery of the endpoint; another
// redrives only that one, and fails with ErrDeliveryNotFound if it is not
// the endpoint's or ErrNotDead if it is not dead-lettered. A removed
// endpoint is ErrNotFound: there is nobody to deliver to.
func (d *Dispatcher) Redrive(ctx context.Context, endpointID string, deliveryID int64) ([]int64, error) {
	var ids []int64
	err := d.db.InTx(ctx, func(tx *hubdb.Tx) error {
		ep, err := tx.WebhookEndpoint(ctx, endpointID)
		if errors.Is(err, hubdb.ErrNotFound) || (err == nil && ep.DeletedAt != nil) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if deliveryID != 0 {
			dl, err := tx.WebhookDelivery(ctx, deliveryID)
			switch {
			case errors.Is(err, hubdb.ErrNotFound) || (err == nil && dl.EndpointID != endpointID):
				return fmt.Errorf("%w: %d", ErrDeliveryNotFound, deliveryID)
			case err != nil:
				return err
			case dl.State != StateDead:
				return fmt.Errorf("%w: delivery %d is %s", ErrNotDead, deliveryID, dl.State)
			}
		}
		ids, err = tx.RedriveWebhookDeliveries(ctx, endpointID, deliveryID, d.now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhook redrive %s: %w", endpointID, err)
	}
	if ids == nil {
		ids = []int64{}
	}
	if len(ids) > 0 {
		d.Wake()
	}
	return ids, nil
}
