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
package public

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/webhook"
)

// EventSink receives the buyback.quote.* events; *webhook.Dispatcher is one.
type EventSink interface {
	Publish(ctx context.Context, kind string, payload any) error
}

// txEventSink is an EventSink that can publish inside the transaction that
// makes the change, so the event and the change commit together.
type txEventSink interface {
	EventSink
	PublishTx(ctx context.Context, tx *sql.Tx, kind string, payload any) error
	Wake()
}

// API serves the public endpoints.
type API struct {
	db      *sql.DB
	cat     Catalog
	keys    KeyVerifier
	events  EventSink
	hooks   *webhook.Dispatcher
	now     func() time.Time
	log     *slog.Logger
	maxBody int64
	limiter *limiter
}

// Option configures an API.
type Option func(*API)

// WithClock sets the clock for timestamps, history windows and rate limits.
func WithClock(now func() time.Time) Option { return func(a *API) { a.now = now } }

// WithLogger sets the logger. API keys are never logged.
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithMaxBody bounds request bodies (default 64 KiB); larger ones get 413.
func WithMaxBody(n int64) Option { return func(a *API) { a.maxBody = n } }

// WithRateLimit allows each API key perMinute requests on average with
// bursts of burst (default 600 and 60); perMinute <= 0 turns limiting off.
func WithRateLimit(perMinute, burst int) Option {
	return func(a *API) {
		if perMinute <= 0 {
			a.limiter = nil
			return
		}
		a.limiter = newLimiter(perMinute, burst)
	}
}

// WithEvents sends buyback.quote.* events to sink. If sink also has
// PublishTx (as *webhook.Dispatcher does) the event commits atomically with
// the quote change; otherwise it is published after the commit and a
// failure is logged, not returned, since the change already happened.
func WithEvents(sink EventSink) Option { return func(a *API) { a.events = sink } }

// WithWebhooks publishes events to d and mounts its management API under
// /api/v1/webhooks behind the same key verifier.
func WithWebhooks(d *webhook.Dispatcher) Option {
	return func(a *API) { a.hooks, a.events = d, d }
}

// New returns the API on db, whose tables Migrate must have created.
func New(db *sql.DB, cat Catalog, keys KeyVerifier, opts ...Option) (*API, error) {
	if db == nil || cat == nil || keys == nil {
		return nil, errors.New("public: New needs a db, a catalog and a key verifier")
	}
	a := &API{
		db: db, cat: cat, keys: keys,
		now:     time.Now,
		log:     slog.New(slog.DiscardHandler),
		maxBody: 64 << 10,
		limiter: newLimiter(600, 60),
	}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

// Handler serves the routes listed in the package documentation.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	route(mux, "GET", "/api/v1/buyback/pricing/lookup", a.auth(ScopeBuybackRead, a.handleLookup))
	route(mux, "POST", "/api/v1/buyback/quotes", a.auth(ScopeBuybackWrite, a.handleCreateQuote))
	route(mux, "GET", "/api/v1/buyback/quotes/{id}", a.auth(ScopeBuybackRead, a.handleGetQuote))
	route(mux, "POST", "/api/v1/buyback/quotes/{id}/items", a.auth(ScopeBuybackWrite, a.handleAddItem))
	route(mux, "PATCH", "/api/v1/buyback/quotes/{id}/status", a.auth(ScopeBuybackWrite, a.handleSetStatus))
	route(mux, "GET", "/api/pricing", a.auth(ScopePricingRead, a.handlePricing))
	if a.hooks != nil {
		h := a.hooks.Handler(a.keys)
		mux.Handle("/api/v1/webhooks", h)
		mux.Handle("/api/v1/webhooks/", h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
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
		writeError(w, http.StatusMethodNotAllowed, codeMethod, r.Method+" is not allowed here; use "+method)
	})
}

// Error codes, stable for clients.
const (
	codeValidation   = "VALIDATION_ERROR"
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

// FieldError is one rejected input, with a stable machine-readable Issue.
type FieldError struct {
	Field   string `json:"field"`
	Issue   string `json:"issue"`
	Message string `json:"message"`
}

// validationErrors collects every problem with a request, so a client
// fixes them in one round trip.
type validationErrors []FieldError

func (v *validationErrors) add(field, issue, format string, args ...any) {
	*v = append(*v, FieldError{Field: field, Issue: issue, Message: fmt.Sprintf(format, args...)})
}

func (v validationErrors) write(w http.ResponseWriter) {
	msgs := make([]string, len(v))
	for i, e := range v {
		msgs[i] = e.Message
	}
	writeJSON(w, http.StatusBadRequest, errorBody{Error: apiError{Code: codeValidation, Message: strings.Join(msgs, "; "), Details: v}})
}

type apiError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Details []FieldError `json:"details,omitempty"`
}

type errorBody struct {
	Success bool     `json:"success"`
	Error   apiError `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: apiError{Code: code, Message: msg}})
}

func (a *API) internal(w http.ResponseWriter, r *http.Request, err error) {
	a.log.ErrorContext(r.Context(), "public API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, codeInternal, "internal error")
}

type dataBody struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

func writeData(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, dataBody{Success: true, Data: data})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// auth checks the bearer key, its scope and its rate limit before h.
func (a *API) auth(scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		bearer = strings.TrimSpace(bearer)
		if !ok || bearer == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "missing bearer API key")
			return
		}
		scopes, err := a.keys.Verify(r.Context(), bearer)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				a.log.ErrorContext(r.Context(), "API key verification failed", "err", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "invalid API key")
			return
		}
		if !slices.Contains(scopes, scope) {
			writeError(w, http.StatusForbidden, codeForbidden, "this API key lacks the "+scope+" scope")
			return
		}
		if a.limiter != nil {
			if wait, ok := a.limiter.allow(hashKey(bearer), a.now()); !ok {
				secs := int64((wait + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", fmt.Sprint(secs))
				writeError(w, http.StatusTooManyRequests, codeRateLimit, fmt.Sprintf("rate limit exceeded; retry in %d s", secs))
				return
			}
		}
		h(w, r)
	})
}

// decode reads a JSON body into v strictly: one object, known fields only,
// within the size limit. It writes the error answer and returns false on
// any problem.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			writeError(w, http.StatusUnsupportedMediaType, codeMediaType, "Content-Type must be application/json")
			return false
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, a.maxBody))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON object")
			var tooBig *http.MaxBytesError
			if errors.As(terr, &tooBig) {
				err = terr
			}
		}
	}
	if err == nil {
		return true
	}
	var (
		tooBig  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, codeMalformed, "request body is empty; want a JSON object")
	case errors.As(err, &typeErr):
		var ve validationErrors
		ve.add(typeErr.Field, "wrong_type", "%s must be a JSON %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		ve.write(w)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		var ve validationErrors
		ve.add(field, "unknown_field", "unknown field %q", field)
		ve.write(w)
	default:
		writeError(w, http.StatusBadRequest, codeMalformed, "request body is not valid JSON: "+err.Error())
	}
	return false
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "integer"
	case goKind == "string":
		return "string"
	}
	return goKind
}

// inTx runs fn in a write transaction and, after the commit, wakes the
// event sink if fn published through it.
func (a *API) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if s, ok := a.events.(txEventSink); ok {
		s.Wake()
	}
	return nil
}

// publish sends an event: inside tx when the sink supports it, otherwise
// through after (run once tx has committed).
func (a *API) publish(ctx context.Context, tx *sql.Tx, kind string, payload any, after *[]func()) error {
	switch s := a.events.(type) {
	case nil:
		return nil
	case txEventSink:
		if err := s.PublishTx(ctx, tx, kind, payload); err != nil {
			return fmt.Errorf("publish %s: %w", kind, err)
		}
	default:
		*after = append(*after, func() {
			if err := s.Publish(context.WithoutCancel(ctx), kind, payload); err != nil {
				a.log.ErrorContext(ctx, "event lost: publish after commit failed", "kind", kind, "err", err)
			}
		})
	}
	return nil
}
