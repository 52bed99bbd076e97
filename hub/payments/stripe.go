package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/intakebench/intakebench/intake"
)

// Stripe pays payouts as Stripe Connect transfers from the platform's
// balance to the customer's connected account. It is safe for concurrent
// use.
type Stripe struct {
	client *stripe.Client
	// key is kept only to scrub it from errors: an echo of it in an answer
	// must never reach a log.
	key string
}

// Option configures a Stripe.
type Option func(*stripeConfig)

type stripeConfig struct {
	baseURL    string
	httpClient *http.Client
}

// WithBaseURL sends requests to u instead of https://api.stripe.com: a
// stripe-mock in tests.
func WithBaseURL(u string) Option { return func(c *stripeConfig) { c.baseURL = u } }

// WithHTTPClient sends requests with hc.
func WithHTTPClient(hc *http.Client) Option { return func(c *stripeConfig) { c.httpClient = hc } }

// defaultTimeout ends a request whose context has no deadline; it is the
// Stripe library's own default.
const defaultTimeout = 80 * time.Second

// NewStripe returns a Stripe that authenticates with apiKey.
func NewStripe(apiKey string, opts ...Option) (*Stripe, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, errors.New("stripe: API key is empty")
	}
	cfg := stripeConfig{baseURL: stripe.APIURL, httpClient: &http.Client{Timeout: defaultTimeout}}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := url.Parse(cfg.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		// The URL is not quoted whole: it may hold credentials.
		return nil, fmt.Errorf("stripe: base URL must be http(s)://host[:port] without credentials")
	}
	if cfg.httpClient == nil {
		return nil, errors.New("stripe: HTTP client is nil")
	}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:        stripe.String(cfg.baseURL),
		HTTPClient: cfg.httpClient,
		// No retries inside the library: it sleeps between them without
		// looking at the context, and the hub retries a transient failure
		// later under the same idempotency key anyway.
		MaxNetworkRetries: stripe.Int64(0),
		EnableTelemetry:   stripe.Bool(false),
		// Silent: every failure comes back as an error, which the caller
		// logs once and redacted; the library's debug lines print bodies.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	// A client of its own, never the package's global key and backends: two
	// Stripes (two accounts, a test's mock) must not see each other.
	client := stripe.NewClient(apiKey, stripe.WithBackends(&stripe.Backends{API: backend}))
	return &Stripe{client: client, key: apiKey}, nil
}

// Pay pays r with a transfer to r.Destination. A refusal by Stripe is a
// *DeclinedError; a failure to retry later wraps ErrTransient; a request
// that cannot be paid as it is wraps ErrInvalidRequest and reaches no
// network.
func (s *Stripe) Pay(ctx context.Context, r Request) (Receipt, error) {
	r, err := r.normalized()
	if err != nil {
		return Receipt{}, err
	}
	params := &stripe.TransferCreateParams{
		Amount:      stripe.Int64(int64(r.Amount)),
		Currency:    stripe.String(r.Currency),
		Destination: stripe.String(r.Destination),
	}
	if r.Description != "" {
		params.Description = stripe.String(r.Description)
	}
	params.AddMetadata("payout_id", r.PayoutID)
	params.SetIdempotencyKey(IdempotencyKey(r.PayoutID))

	tr, err := s.client.V1Transfers.Create(ctx, params)
	if err != nil {
		return Receipt{}, s.classify(r.PayoutID, err)
	}
	if tr.ID == "" {
		return Receipt{}, &transientError{msg: fmt.Sprintf("payout %s: stripe answered a transfer without an id: %v", r.PayoutID, ErrTransient)}
	}
	return Receipt{Reference: tr.ID, Amount: intake.Cents(tr.Amount)}, nil
}

// classify turns a failed call into a *DeclinedError or a transient error,
// with the API key scrubbed from every text.
func (s *Stripe) classify(payoutID string, err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		// No answer, or one that was not Stripe's: the transfer may or may
		// not have been made, and only a retry with the same key can tell.
		return &transientError{
			msg:   s.redact(fmt.Sprintf("payout %s: no usable answer from stripe: %v: %v", payoutID, err, ErrTransient)),
			cause: err,
		}
	}
	if transient(se) {
		// The *stripe.Error is not kept as the cause: its text is Stripe's
		// message, unscrubbed.
		return &transientError{msg: s.redact(fmt.Sprintf("payout %s: stripe answered status %d (%s): %s: %v",
			payoutID, se.HTTPStatusCode, reason(se), se.Msg, ErrTransient))}
	}
	return &DeclinedError{
		PayoutID:  payoutID,
		Status:    se.HTTPStatusCode,
		Type:      string(se.Type),
		Code:      string(se.Code),
		Message:   s.redact(se.Msg),
		RequestID: se.RequestID,
	}
}

// transient reports whether Stripe's refusal may pass if the payout is paid
// again later.
func transient(se *stripe.Error) bool {
	if se.LastResponse != nil && se.LastResponse.Header.Get("Stripe-Should-Retry") == "true" {
		return true
	}
	switch {
	case se.Type == stripe.ErrorTypeIdempotency,
		se.HTTPStatusCode == http.StatusConflict,
		se.HTTPStatusCode == http.StatusTooManyRequests,
		se.HTTPStatusCode >= http.StatusInternalServerError:
		return true
	case se.HTTPStatusCode == http.StatusUnauthorized, se.HTTPStatusCode == http.StatusForbidden:
		// The hub's key is wrong or lacks a permission: the customer's
		// payout is fine and pays once the key is fixed, so it must not be
		// marked declined.
		return true
	case se.HTTPStatusCode >= http.StatusBadRequest:
		return false
	}
	// A status below 400 is not a refusal Stripe makes: unknown.
	return true
}

func reason(se *stripe.Error) string {
	if se.Code != "" {
		return string(se.Code)
	}
	return string(se.Type)
}

func (s *Stripe) redact(text string) string {
	return strings.ReplaceAll(text, s.key, "[redacted]")
}

// transientError is a failure to retry later. Its text is scrubbed once,
// when made; its cause, where there is one, is kept for errors.Is (a
// context's cancellation, a network error).
type transientError struct {
	msg   string
	cause error
}

func (e *transientError) Error() string { return e.msg }

func (e *transientError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrTransient}
	}
	return []error{ErrTransient, e.cause}
}
