package hub

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/httpx"
	"github.com/intakebench/intakebench/internal/ratelimit"
)

//go:embed openapi.yaml
var openAPI []byte

// Server is the hub's HTTP API: the /v1 bench contract, the OpenAPI
// document, and whatever else is mounted on it (the public API).
//
// A request that writes is read whole before it waits for the database:
// its body comes within a deadline scaled to its size, and only then does
// it take a write slot. A client that sends its body a byte at a time
// holds a goroutine and what it sent, never a slot another bench needs.
type Server struct {
	hub    *Hub
	mux    *http.ServeMux
	log    *slog.Logger
	now    func() time.Time
	routes []string

	benchLimit *ratelimit.Limiter // per enrolled bench
	anonLimit  *ratelimit.Limiter // per address and per presented key prefix: enrollment and failed authentication
	blobQuota  *ratelimit.Limiter // per enrolled bench, in bytes of blobs
	writeSlots chan struct{}      // writes waiting for the single writer, beyond which the hub is overloaded

	bodies     *bodyGate
	bodyBase   time.Duration // what any body may take to arrive
	bodyRate   float64       // the slowest a body may come on top of that, in bytes a second
	authFailed *authFailures
}

// ServerOption changes how NewServer sets up a server.
type ServerOption func(*Server)

// WithRateLimit sets each bench's token bucket: perSecond requests on
// average, burst at once. Zero turns the limit off.
func WithRateLimit(perSecond float64, burst int) ServerOption {
	return func(s *Server) { s.benchLimit = ratelimit.PerSecond(perSecond, burst) }
}

// WithAnonymousRateLimit sets the buckets of enrollments and failed
// authentications: one per address, and one per presented key prefix.
func WithAnonymousRateLimit(perSecond float64, burst int) ServerOption {
	return func(s *Server) { s.anonLimit = ratelimit.PerSecond(perSecond, burst) }
}

// WithBlobQuota sets each bench's quota of blob uploads: bytesPerSecond on
// average, burst bytes at once. The burst is at least wire.MaxBlobBytes, so
// that every blob the contract allows can be sent. A rate of zero turns the
// quota off.
func WithBlobQuota(bytesPerSecond float64, burst int) ServerOption {
	return func(s *Server) { s.blobQuota = ratelimit.PerSecond(bytesPerSecond, max(burst, wire.MaxBlobBytes)) }
}

// WithBodyDeadline sets how long a request body may take to arrive: base,
// plus its size at minBytesPerSecond.
func WithBodyDeadline(base time.Duration, minBytesPerSecond int) ServerOption {
	return func(s *Server) { s.bodyBase, s.bodyRate = base, float64(max(minBytesPerSecond, 1)) }
}

// WithMaxQueuedWrites sets how many writes may wait for the database before
// the hub answers 503.
func WithMaxQueuedWrites(n int) ServerOption {
	return func(s *Server) { s.writeSlots = make(chan struct{}, n) }
}

// Limits of the request bodies, by default.
const (
	// A body that comes at 16 KiB/s, 128 kbit/s, is a poor shop's uplink:
	// a 10 MiB photo gets 10 minutes and 10 seconds, a receipt 10 seconds.
	defaultBodyBase = 10 * time.Second
	defaultBodyRate = 16 << 10
	// answerTime is what the hub takes to answer once the body is in.
	answerTime = 2 * time.Minute
	// bodiesPerBench is how many bodies one bench may send at once. A
	// bench syncs one request after another; more is a client gone wrong
	// holding the hub's memory and goroutines.
	bodiesPerBench = 4
	// authReportWindow is how often a source of failed authentications
	// is reported in the log at most.
	authReportWindow = time.Minute
)

// NewServer returns the HTTP API of h.
func NewServer(h *Hub, opts ...ServerOption) *Server {
	s := &Server{
		hub: h, mux: http.NewServeMux(), log: h.log, now: h.now,
		benchLimit: ratelimit.PerSecond(50, 200),
		anonLimit:  ratelimit.PerSecond(2, 20),
		// 512 KiB/s is 1.8 GiB an hour: a busy bench photographs thirty
		// devices an hour, eight photos each, a few MB a photo.
		blobQuota:  ratelimit.PerSecond(512<<10, 128<<20),
		writeSlots: make(chan struct{}, 64),
		bodies:     &bodyGate{limit: bodiesPerBench, n: map[string]int{}},
		bodyBase:   defaultBodyBase,
		bodyRate:   defaultBodyRate,
		authFailed: &authFailures{window: authReportWindow},
	}
	for _, o := range opts {
		o(s)
	}
	s.handle("POST /v1/enroll", http.HandlerFunc(s.enroll))
	s.handle("GET /v1/changes", s.bench(wire.ScopeCatalogRead, s.changes))
	s.handle("POST /v1/events", s.bench(wire.ScopeIntakeWrite, s.push))
	s.handle("POST /v1/grants", s.bench(wire.ScopeIntakeWrite, s.grant))
	s.handle("GET /v1/imei/{imei}", s.bench(wire.ScopeCatalogRead, s.checkIMEI))
	s.handle("PUT /v1/blobs/{sha256}", s.bench(wire.ScopePhotosWrite, s.putBlob))
	s.handle("GET /v1/blobs/{sha256}", s.bench(wire.ScopeIntakeWrite, s.getBlob))
	s.handle("GET /v1/reviews", s.bench(wire.ScopeIntakeWrite, s.reviews))
	s.handle("GET /v1/quarantines", s.bench(wire.ScopeIntakeWrite, s.quarantines))
	s.handle("GET /v1/tradeins/{id}/photos", s.bench(wire.ScopeIntakeWrite, s.tradeInPhotos))
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

// bench authenticates a bench's bearer token, rate-limits the bench and
// checks its scope. A handler that writes reads its body (readBody) and
// then takes a write slot (writeSlot), in that order.
func (s *Server) bench(scope string, fn benchHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			a, err := s.authenticate(w, r)
			if err != nil {
				return err
			}
			if err := s.limited(s.benchLimit, a.bench); err != nil {
				return err
			}
			if !a.has(scope) {
				return refuse(KindForbidden, wire.CodeInsufficientScope, "This call needs the scope %s.", scope)
			}
			return fn(w, r, a)
		}()
		if err != nil {
			writeProblem(w, s.log, r, err)
		}
	})
}

// authenticate finds the bench of the request's bearer token. A failed
// authentication costs a token of the address's bucket and of the
// presented key prefix's, so a guesser or a fleet of benches with a stale
// token is slowed down wherever it comes from; a valid token is always
// looked up, so that nobody's failures lock an enrolled bench out.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (benchAuth, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var a benchAuth
	var err error
	if ok && token != "" {
		a, err = s.hub.authenticateBench(r.Context(), token)
	} else {
		err = refuse(KindUnauthorized, wire.CodeUnauthorized, "A bench token is required: Authorization: Bearer TOKEN.")
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUnauthorized {
		// Authenticated, or the database failed: neither is the client's doing.
		return a, err
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="intakehub"`)
	addr, prefix := clientIP(r), keyPrefix(token)
	limit := s.limited(s.anonLimit, addr)
	if prefix != "" {
		limit = errors.Join(limit, s.limited(s.anonLimit, "key "+prefix))
	}
	if report, unreported := s.authFailed.note(s.now(), addr, prefix); report {
		s.log.WarnContext(r.Context(), "failed bench authentication", "addr", addr, "key_prefix", prefix, "code", e.Code,
			"path", r.URL.Path, "limited", limit != nil, "unreported_since_last", unreported)
	}
	if limit != nil {
		return a, limit
	}
	return a, err
}

// keyPrefix names a presented token in the limits and the log without
// giving it away: its first 12 characters, which tell one bench's stale
// token from another's; for a token too short for those to be a small
// part of it, a fingerprint instead.
func keyPrefix(token string) string {
	switch {
	case token == "":
		return ""
	case len(token) >= 32:
		return token[:12]
	}
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// authFailures decides which failed authentications the log reports: a
// source (an address and a key prefix) is reported once a window at most,
// and only when neither its address nor its key prefix was reported in
// the window already, so that a flood of one token, or of many tokens
// from one address, is one line. The next line says how many went
// unreported since the last.
type authFailures struct {
	window time.Duration

	mu         sync.Mutex
	start      time.Time
	seen       map[string]bool // "addr …" and "key …" reported in the window
	unreported int
}

func (f *authFailures) note(now time.Time, addr, prefix string) (report bool, unreported int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil || now.Sub(f.start) >= f.window || now.Before(f.start) {
		f.start, f.seen = now, map[string]bool{}
	}
	a, k := "addr "+addr, "key "+prefix
	report = !f.seen[a] && (prefix == "" || !f.seen[k])
	f.seen[a] = true
	if prefix != "" {
		f.seen[k] = true
	}
	if !report {
		f.unreported++
		return false, 0
	}
	unreported, f.unreported = f.unreported, 0
	return true, unreported
}

// bodyGate counts the request bodies being read, by the bench (or the
// address) sending them.
type bodyGate struct {
	limit int

	mu    sync.Mutex
	n     map[string]int
	total int
}

func (g *bodyGate) enter(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n[key] >= g.limit {
		return false
	}
	g.n[key]++
	g.total++
	return true
}

func (g *bodyGate) leave(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n[key]--; g.n[key] <= 0 {
		delete(g.n, key)
	}
	g.total--
}

// ReadingBodies is how many request bodies the server is reading now:
// requests waiting for their clients, holding no write slot.
func (s *Server) ReadingBodies() int {
	s.bodies.mu.Lock()
	defer s.bodies.mu.Unlock()
	return s.bodies.total
}

// bodyTime is how long a body of size bytes may take to arrive.
func bodyTime(size int64, base time.Duration, bytesPerSecond float64) time.Duration {
	return base + time.Duration(float64(size)/bytesPerSecond*float64(time.Second))
}

// readBody reads the whole body of r, at most limit bytes, for the bench
// or address that sender names. It must arrive within bodyTime of its
// declared size, or of limit when it declares none.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, sender string, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, refuse(KindTooLarge, wire.CodePayloadTooLarge, "The body is over %d bytes.", limit)
	}
	if !s.bodies.enter(sender) {
		return nil, &unavailable{http.StatusTooManyRequests, wire.CodeRateLimited,
			fmt.Sprintf("The %s is sending %d bodies at once already; send one after another.", sender, bodiesPerBench), time.Second}
	}
	defer s.bodies.leave(sender)
	size := limit
	if r.ContentLength >= 0 {
		size = r.ContentLength
	}
	// The connection's deadlines are on the wall clock: the hub's clock,
	// which tests move by hand, has no say in them. The write deadline
	// follows, or a body allowed longer than the server's WriteTimeout
	// could never be answered. A writer with no connection (a recorder)
	// takes no deadline, and needs none.
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(bodyTime(size, s.bodyBase, s.bodyRate))
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline.Add(answerTime))
	// Not sized by Content-Length: a client that declares 10 MiB and
	// sends a byte a second must not make the hub hold 10 MiB for it.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return data, nil
	case errors.As(err, &tooLarge):
		return nil, refuse(KindTooLarge, wire.CodePayloadTooLarge, "The body is over %d bytes.", limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.Header().Set("Connection", "close")
		return nil, &unavailable{http.StatusRequestTimeout, wire.CodeRequestTimeout,
			fmt.Sprintf("The body did not arrive within %s.", bodyTime(size, s.bodyBase, s.bodyRate).Round(time.Second)), time.Second}
	default:
		return nil, refuse(KindInvalid, wire.CodeInvalidRequest, "The body could not be read to its end.")
	}
}

// writeSlot takes a place in the queue for the database, or answers 503
// when the queue is full. release gives the place back.
func (s *Server) writeSlot() (release func(), err error) {
	select {
	case s.writeSlots <- struct{}{}:
		return func() { <-s.writeSlots }, nil
	default:
		return nil, &unavailable{http.StatusServiceUnavailable, wire.CodeOverloaded, "The hub is busy; try again shortly.", time.Second}
	}
}

// decodeBody decodes a JSON body of at most limit bytes into v.
func decodeBody(body []byte, limit int64, v wire.Validator) error {
	err := wire.Decode(bytes.NewReader(body), limit, v)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wire.ErrTooLarge):
		return refuse(KindTooLarge, wire.CodePayloadTooLarge, "The body is over %d bytes.", limit)
	default:
		return refuse(KindInvalid, wire.CodeInvalidRequest, "%s", err.Error())
	}
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	err := func() error {
		addr := clientIP(r)
		if err := s.limited(s.anonLimit, addr); err != nil {
			return err
		}
		body, err := s.readBody(w, r, "address "+addr, wire.MaxSmallBody)
		if err != nil {
			return err
		}
		var req wire.EnrollRequest
		if err := decodeBody(body, wire.MaxSmallBody, &req); err != nil {
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

func (s *Server) changes(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	limit := wire.DefaultPageLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return refuse(KindInvalid, wire.CodeInvalidRequest, "limit is a positive number.")
		}
		limit = min(n, wire.MaxPageChanges)
	}
	include := r.URL.Query().Get("include")
	if include != "" && include != wire.IncludeReviews {
		return refuse(KindInvalid, wire.CodeInvalidRequest, "include is %q or absent.", wire.IncludeReviews)
	}
	page, err := s.hub.feed(r.Context(), a, r.URL.Query().Get("cursor"), limit, include == wire.IncludeReviews)
	if err != nil {
		return err
	}
	httpx.JSONHeaders(w)
	_, _ = w.Write(page.appendJSON(make([]byte, 0, 512*len(page.Changes)+256)))
	return nil
}

func (s *Server) push(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	body, err := s.readBody(w, r, "bench "+a.bench, wire.MaxPushBytes)
	if err != nil {
		return err
	}
	var req wire.PushRequest
	if err := decodeBody(body, wire.MaxPushBytes, &req); err != nil {
		return err
	}
	if req.Bench != a.bench {
		return refuse(KindForbidden, wire.CodeBenchMismatch, "This token belongs to bench %s, not %s.", a.bench, req.Bench)
	}
	release, err := s.writeSlot()
	if err != nil {
		return err
	}
	defer release()
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

// putBlob stores a photo. What it costs the bench's blob quota is taken
// before the body is read when the body declares its size, so a bench over
// its quota is turned away before it sends megabytes.
func (s *Server) putBlob(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	sum := r.PathValue("sha256")
	if !wire.ValidBlobName(sum) {
		return refuse(KindInvalid, wire.CodeInvalidRequest, "A blob is named by the lower-case hex SHA-256 of its content.")
	}
	if r.ContentLength > wire.MaxBlobBytes {
		return refuse(KindTooLarge, wire.CodePayloadTooLarge, "A blob is at most %d bytes.", wire.MaxBlobBytes)
	}
	charged := r.ContentLength >= 0
	if charged {
		if err := s.chargeBlob(a.bench, r.ContentLength); err != nil {
			return err
		}
	}
	data, err := s.readBody(w, r, "bench "+a.bench, wire.MaxBlobBytes)
	if err != nil {
		return err
	}
	if !charged {
		if err := s.chargeBlob(a.bench, int64(len(data))); err != nil {
			return err
		}
	}
	mime, refusal := checkBlob(sum, data)
	if refusal != nil {
		return refusal
	}
	release, err := s.writeSlot()
	if err != nil {
		return err
	}
	defer release()
	created, err := s.hub.putBlob(r.Context(), a, sum, mime, data)
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

// chargeBlob takes n bytes from the bench's blob quota, or answers 429
// with when they will be there.
func (s *Server) chargeBlob(bench string, n int64) error {
	if ok, after := s.blobQuota.AllowN(bench, n, s.now()); !ok {
		return &unavailable{http.StatusTooManyRequests, wire.CodeBlobQuotaExceeded,
			fmt.Sprintf("Bench %s has uploaded its share of photos for now; %d more bytes fit after Retry-After.", bench, n), after}
	}
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
