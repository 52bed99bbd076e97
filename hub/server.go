package hub

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/httpx"
	"github.com/intakebench/intakebench/internal/ratelimit"
)

//go:embed openapi.yaml
var openAPI []byte

// Server is the hub's HTTP API: the /v1 bench contract, the OpenAPI
// document, and whatever else is mounted on it (the public API).
type Server struct {
	hub    *Hub
	mux    *http.ServeMux
	log    *slog.Logger
	now    func() time.Time
	routes []string

	benchLimit *ratelimit.Limiter // per enrolled bench
	anonLimit  *ratelimit.Limiter // per address: enrollment and failed authentication
	writeSlots chan struct{}      // writes waiting for the single writer, beyond which the hub is overloaded
}

// ServerOption changes how NewServer sets up a server.
type ServerOption func(*Server)

// WithRateLimit sets each bench's token bucket: perSecond requests on
// average, burst at once. Zero turns the limit off.
func WithRateLimit(perSecond float64, burst int) ServerOption {
	return func(s *Server) { s.benchLimit = ratelimit.PerSecond(perSecond, burst) }
}

// WithAnonymousRateLimit sets the per-address bucket of enrollments and
// failed authentications.
func WithAnonymousRateLimit(perSecond float64, burst int) ServerOption {
	return func(s *Server) { s.anonLimit = ratelimit.PerSecond(perSecond, burst) }
}

// WithMaxQueuedWrites sets how many writes may wait for the database before
// the hub answers 503.
func WithMaxQueuedWrites(n int) ServerOption {
	return func(s *Server) { s.writeSlots = make(chan struct{}, n) }
}

// NewServer returns the HTTP API of h.
func NewServer(h *Hub, opts ...ServerOption) *Server {
	s := &Server{
		hub: h, mux: http.NewServeMux(), log: h.log, now: h.now,
		benchLimit: ratelimit.PerSecond(50, 200),
		anonLimit:  ratelimit.PerSecond(2, 20),
		writeSlots: make(chan struct{}, 64),
	}
	for _, o := range opts {
		o(s)
	}
	s.handle("POST /v1/enroll", http.HandlerFunc(s.enroll))
	s.handle("GET /v1/changes", s.bench(wire.ScopeCatalogRead, false, s.changes))
	s.handle("POST /v1/events", s.bench(wire.ScopeIntakeWrite, true, s.push))
	s.handle("GET /v1/imei/{imei}", s.bench(wire.ScopeCatalogRead, false, s.checkIMEI))
	s.handle("PUT /v1/blobs/{sha256}", s.bench(wire.ScopePhotosWrite, true, s.putBlob))
	s.handle("GET /openapi.yaml", http.HandlerFunc(s.openAPI))
	s.handle("GET /healthz", http.HandlerFunc(s.health))
	return s
}

func (s *Server) handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.routes = append(s.routes, pattern)
}

// Mount serves h at pattern (a http.ServeMux pattern) beside the contract.
func (s *Server) Mount(pattern string, h http.Handler) { s.handle(pattern, h) }

// Routes lists the patterns served, mounted ones included.
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// ServeHTTP answers a request; what matches no route gets a problem too.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeProblem(w, s.log, r, &Error{Kind: kindMethodNotAllowed, Code: wire.CodeMethodNotAllowed,
			Detail: fmt.Sprintf("%s is not allowed here; use %s.", r.Method, strings.Join(allowed, " or "))})
		return
	}
	writeProblem(w, s.log, r, refuse(KindNotFound, wire.CodeNotFound, "No such endpoint."))
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limited answers 429 with Retry-After when key's bucket is empty.
func (s *Server) limited(l *ratelimit.Limiter, key string) error {
	if ok, after := l.Allow(key, s.now()); !ok {
		return &unavailable{http.StatusTooManyRequests, wire.CodeRateLimited, "Too many requests; slow down.", after}
	}
	return nil
}

type benchHandler func(w http.ResponseWriter, r *http.Request, a benchAuth) error

// bench authenticates a bench's bearer token, rate-limits the bench, checks
// its scope and, for writes, a place in the write queue.
func (s *Server) bench(scope string, write bool, fn benchHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			var a benchAuth
			var err error
			if ok && token != "" {
				a, err = s.hub.authenticateBench(r.Context(), token)
			} else {
				err = refuse(KindUnauthorized, wire.CodeUnauthorized, "A bench token is required: Authorization: Bearer TOKEN.")
			}
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="intakehub"`)
				return errors.Join(s.limited(s.anonLimit, clientIP(r)), err)
			}
			if err := s.limited(s.benchLimit, a.bench); err != nil {
				return err
			}
			if !a.has(scope) {
				return refuse(KindForbidden, wire.CodeInsufficientScope, "This call needs the scope %s.", scope)
			}
			if write {
				select {
				case s.writeSlots <- struct{}{}:
					defer func() { <-s.writeSlots }()
				default:
					return &unavailable{http.StatusServiceUnavailable, wire.CodeOverloaded, "The hub is busy; try again shortly.", time.Second}
				}
			}
			return fn(w, r, a)
		}()
		if err != nil {
			writeProblem(w, s.log, r, err)
		}
	})
}

// decodeBody reads a JSON body of at most limit bytes into v.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v wire.Validator) error {
	err := wire.Decode(http.MaxBytesReader(w, r.Body, limit), limit, v)
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wire.ErrTooLarge) || errors.As(err, &tooLarge):
		return refuse(KindTooLarge, wire.CodePayloadTooLarge, "The body is over %d bytes.", limit)
	default:
		return refuse(KindInvalid, wire.CodeInvalidRequest, "%s", err.Error())
	}
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	err := func() error {
		if err := s.limited(s.anonLimit, clientIP(r)); err != nil {
			return err
		}
		var req wire.EnrollRequest
		if err := decodeBody(w, r, wire.MaxSmallBody, &req); err != nil {
			return err
		}
		resp, err := s.hub.Enroll(r.Context(), req.Code, req.Bench)
		if err != nil {
			return err
		}
		s.log.InfoContext(r.Context(), "bench enrolled", "bench", resp.Bench, "scopes", resp.Scopes)
		httpx.WriteJSON(w, http.StatusCreated, resp)
		return nil
	}()
	if err != nil {
		writeProblem(w, s.log, r, err)
	}
}

func (s *Server) changes(w http.ResponseWriter, r *http.Request, _ benchAuth) error {
	limit := wire.DefaultPageLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return refuse(KindInvalid, wire.CodeInvalidRequest, "limit is a positive number.")
		}
		limit = min(n, wire.MaxPageChanges)
	}
	page, err := s.hub.changes(r.Context(), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	httpx.JSONHeaders(w)
	_, _ = w.Write(page.appendJSON(make([]byte, 0, 512*len(page.Changes)+256)))
	return nil
}

func (s *Server) push(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	var req wire.PushRequest
	if err := decodeBody(w, r, wire.MaxPushBytes, &req); err != nil {
		return err
	}
	if req.Bench != a.bench {
		return refuse(KindForbidden, wire.CodeBenchMismatch, "This token belongs to bench %s, not %s.", a.bench, req.Bench)
	}
	resp, err := s.hub.push(r.Context(), a, req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) checkIMEI(w http.ResponseWriter, r *http.Request, _ benchAuth) error {
	c, err := s.hub.CheckIMEI(r.Context(), r.PathValue("imei"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s *Server) putBlob(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	sum := r.PathValue("sha256")
	if !sha256Hex.MatchString(sum) {
		return refuse(KindInvalid, wire.CodeInvalidRequest, "A blob is named by the lower-case hex SHA-256 of its content.")
	}
	if r.ContentLength > wire.MaxBlobBytes {
		return refuse(KindTooLarge, wire.CodePayloadTooLarge, "A blob is at most %d bytes.", wire.MaxBlobBytes)
	}
	mime := r.Header.Get("Content-Type")
	if mime == "" || len(mime) > 128 {
		mime = "application/octet-stream"
	}
	created, err := s.hub.putBlob(r.Context(), a, sum, mime, r.Body)
	if err != nil {
		return err
	}
	if created {
		w.Header().Set("Location", "/v1/blobs/"+sum)
		w.WriteHeader(http.StatusCreated)
		return nil
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(openAPI)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.hub.db.Ping(r.Context()); err != nil {
		writeProblem(w, s.log, r, &unavailable{http.StatusServiceUnavailable, wire.CodeOverloaded, "The database is not answering.", time.Second})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
