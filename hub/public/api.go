// Package public is the hub's seed-compatible public API:
//
//	GET   /api/v1/buyback/pricing/lookup?make&model&storage&carrier   seed 000, scope buyback:read
//	POST  /api/v1/buyback/quotes                 {name, client_value, client_calc}          buyback:write
//	GET   /api/v1/buyback/quotes/{id}                                                      buyback:read
//	POST  /api/v1/buyback/quotes/{id}/items      {sku, grade, sim, quantity, value, client_share}  buyback:write
//	PATCH /api/v1/buyback/quotes/{id}/status     {status: 0 declined | 1 approved | 2 pending}    buyback:write
//	GET   /api/pricing?variant_id&pricing_type&condition&days                      seed 002, pricing:read
//	      /api/v1/webhooks...                    the webhook package's management API, webhooks:write
//
// Every answer is JSON in the seeds' envelope: {"success":true,"data":...}
// (seed 002 adds "timestamp"; quote creation adds a top-level "id", since
// seed 000 says only that it "returns a { id: 42 }"), or
//
//	{"success":false,"error":{"code":"VALIDATION_ERROR","message":"...","details":[{"field","issue","message"}]}}
//
// with code one of VALIDATION_ERROR, MALFORMED_JSON (400),
// UNAUTHORIZED (401), FORBIDDEN (403), NOT_FOUND (404), CONFLICT (409),
// METHOD_NOT_ALLOWED (405), PAYLOAD_TOO_LARGE (413), UNSUPPORTED_MEDIA_TYPE (415),
// RATE_LIMIT_EXCEEDED (429, with Retry-After) and INTERNAL_ERROR (500).
// Clients switch on code, then on details[].issue; messages are for people.
// (The bench ↔ hub contract uses problem+json; this API follows the seeds
// because its clients were written against them.)
//
// Seed 000 money is a JSON number with two decimals (85.00), seed 002 money
// integer cents; both are integer cents inside.
//
// Each handler decodes its request into typed input (answering 400 with
// every field error), loads rows through package hubdb, decides with plain
// functions of those rows (rules.go), which return typed errors, and only
// then writes the envelope.
package public

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/internal/httpx"
	"github.com/intakebench/intakebench/internal/ratelimit"
)

// API serves the public endpoints.
type API struct {
	db      *hubdb.DB
	cat     Catalog
	keys    KeyVerifier
	hooks   *webhook.Dispatcher // nil: no events and no webhook management API
	now     func() time.Time
	log     *slog.Logger
	maxBody int64
	// maxMultiple is how many times the list price a negotiated value may be.
	maxMultiple int64
	limiter     *ratelimit.Limiter // nil: no limit
}

// Option configures an API.
type Option func(*API)

// WithClock sets the clock for timestamps, history windows and rate limits.
func WithClock(now func() time.Time) Option { return func(a *API) { a.now = now } }

// WithLogger sets the logger. API keys are never logged.
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithMaxNegotiatedMultiple sets how many times the list price a quote
// item's negotiated value may be (default DefaultMaxNegotiatedMultiple).
func WithMaxNegotiatedMultiple(n int64) Option { return func(a *API) { a.maxMultiple = max(n, 1) } }

// WithMaxBody bounds request bodies (default 64 KiB); larger ones get 413.
func WithMaxBody(n int64) Option { return func(a *API) { a.maxBody = n } }

// WithRateLimit allows each API key perMinute requests on average with
// bursts of burst (default 600 and 60); perMinute <= 0 turns limiting off.
func WithRateLimit(perMinute, burst int) Option {
	return func(a *API) {
		a.limiter = nil
		if perMinute > 0 {
			a.limiter = ratelimit.PerMinute(perMinute, burst)
		}
	}
}

// WithWebhooks publishes the buyback.quote.* events to d, each in the
// transaction of the quote change it describes, and mounts d's management
// API under /api/v1/webhooks behind this API's key check.
func WithWebhooks(d *webhook.Dispatcher) Option { return func(a *API) { a.hooks = d } }

// New returns the API on the hub's database.
func New(db *hubdb.DB, cat Catalog, keys KeyVerifier, opts ...Option) (*API, error) {
	if db == nil || cat == nil || keys == nil {
		return nil, errors.New("public: New needs a db, a catalog and a key verifier")
	}
	a := &API{
		db: db, cat: cat, keys: keys,
		now:         time.Now,
		log:         slog.New(slog.DiscardHandler),
		maxBody:     64 << 10,
		maxMultiple: DefaultMaxNegotiatedMultiple,
		limiter:     ratelimit.PerMinute(600, 60),
	}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

// Handler serves the routes listed in the package documentation.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	route(mux, "GET", "/api/v1/buyback/pricing/lookup", a.auth(ScopeBuybackRead, http.HandlerFunc(a.handleLookup)))
	route(mux, "POST", "/api/v1/buyback/quotes", a.auth(ScopeBuybackWrite, http.HandlerFunc(a.handleCreateQuote)))
	route(mux, "GET", "/api/v1/buyback/quotes/{id}", a.auth(ScopeBuybackRead, http.HandlerFunc(a.handleGetQuote)))
	route(mux, "POST", "/api/v1/buyback/quotes/{id}/items", a.auth(ScopeBuybackWrite, http.HandlerFunc(a.handleAddItem)))
	route(mux, "PATCH", "/api/v1/buyback/quotes/{id}/status", a.auth(ScopeBuybackWrite, http.HandlerFunc(a.handleSetStatus)))
	route(mux, "GET", "/api/pricing", a.auth(ScopePricingRead, http.HandlerFunc(a.handlePricing)))
	if a.hooks != nil {
		// The dispatcher's handler does not authenticate: every key is
		// checked here, the one way for the whole API.
		h := a.auth(ScopeWebhooks, a.hooks.Handler())
		mux.Handle("/api/v1/webhooks", h)
		mux.Handle("/api/v1/webhooks/", h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// route registers h for method and path, and a JSON 405 for the path's
// other methods: without it the catch-all would answer a wrong method with
// 404, which sends a client looking for the wrong mistake.
func route(mux *http.ServeMux, method, path string, h http.Handler) {
	mux.Handle(method+" "+path, h)
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", method)
		httpx.WriteError(w, http.StatusMethodNotAllowed, codeMethod, r.Method+" is not allowed here; use "+method)
	})
}

// Error codes, stable for clients.
const (
	codeMalformed    = "MALFORMED_JSON"
	codeUnauthorized = "UNAUTHORIZED"
	codeForbidden    = "FORBIDDEN"
	codeNotFound     = "NOT_FOUND"
	codeConflict     = "CONFLICT"
	codeTooLarge     = "PAYLOAD_TOO_LARGE"
	codeMediaType    = "UNSUPPORTED_MEDIA_TYPE"
	codeMethod       = "METHOD_NOT_ALLOWED"
	codeRateLimit    = "RATE_LIMIT_EXCEEDED"
	codeInternal     = "INTERNAL_ERROR"
)

func (a *API) internal(w http.ResponseWriter, r *http.Request, err error) {
	a.log.ErrorContext(r.Context(), "public API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	httpx.WriteError(w, http.StatusInternalServerError, codeInternal, "internal error")
}

// publishFunc publishes an event in the transaction of the change it
// describes.
type publishFunc func(kind string, payload any) error

// change runs fn in a write transaction. The events fn publishes commit or
// roll back with its change, and the dispatcher is woken to deliver them
// once they have committed.
func (a *API) change(ctx context.Context, fn func(tx *hubdb.Tx, publish publishFunc) error) error {
	published := false
	err := a.db.InTx(ctx, func(tx *hubdb.Tx) error {
		return fn(tx, func(kind string, payload any) error {
			if a.hooks == nil {
				return nil
			}
			published = true
			return a.hooks.PublishTx(ctx, tx, kind, payload)
		})
	})
	if err == nil && published {
		a.hooks.Wake()
	}
	return err
}
