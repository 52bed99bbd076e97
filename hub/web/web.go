// Package web is the hub's own web pages (seed 001): the buyer's trade-in
// page at /trade-in with its status page, and the staff's trade-ins
// dashboard at /dashboard/trade-ins. The pages are server-rendered
// html/template with a little hand-written CSS and JavaScript, embedded in
// the binary; every form works without JavaScript, which only adds the
// camera, the IMEI check as you type and the catalog filter.
//
// Every rule is the hub's: a submission is created and submitted through
// hub.CreateSubmission and hub.SubmitSubmission, offers go through
// hub.SendOffer, and so on. This package only reads forms, shows pages and
// keeps the staff's sessions.
package web

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"image"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/linktoken"
	"github.com/intakebench/intakebench/internal/ratelimit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Patterns are the paths Site serves, to mount on the hub's server.
var Patterns = []string{"/trade-in", "/trade-in/", "/dashboard", "/dashboard/", "/web/static/"}

// Decoder reads the barcodes' texts in a photo: the project's barcode
// decoder, handed in by the command so that the hub's packages import no
// device code.
type Decoder func(ctx context.Context, img image.Image) ([]string, error)

// Site is the web pages over a hub.
type Site struct {
	hub    *hub.Hub
	log    *slog.Logger
	now    func() time.Time
	links  *linktoken.Signer
	decode Decoder
	wasm   []byte // the decoder compiled to WebAssembly, gzipped; nil when not built
	noWasm bool
	secure bool // cookies are Secure even on plain HTTP (TLS ends at a proxy)
	pages  map[string]*template.Template
	mux    *http.ServeMux

	// sellers is our buyers' side of seed 004; nil: its page is not offered.
	sellers Sellers

	submits    *ratelimit.Limiter // trade-in submissions per client address
	imeiChecks *ratelimit.Limiter // IMEI checks and photo decodes per client address
	logins     *ratelimit.Limiter // staff PINs tried per operator and per address
	dummyPIN   string             // checked for an unknown operator, so timing tells nothing
}

// Option sets up a Site.
type Option func(*Site)

// WithLogger logs to l (nothing of what a buyer typed is ever logged).
func WithLogger(l *slog.Logger) Option { return func(s *Site) { s.log = l } }

// WithDecoder reads IMEIs from uploaded photos with d; without one, the
// photo upload is not offered.
func WithDecoder(d Decoder) Option { return func(s *Site) { s.decode = d } }

// WithoutWasmDecoder leaves the WebAssembly decoder out even where it was
// built: browsers without a BarcodeDetector then send camera frames to the
// hub, which costs the hub the decoding but a phone no 1.5 MB download.
func WithoutWasmDecoder() Option { return func(s *Site) { s.noWasm = true } }

// WithSecureCookies(true) marks the staff's cookie Secure on every
// request: a hub serving TLS, or behind a proxy that ends TLS. A request
// that came over TLS always gets it.
func WithSecureCookies(on bool) Option { return func(s *Site) { s.secure = on } }

// WithLimits sets the rate limits, per client address: submissions and
// IMEI checks (with photo decodes) per minute, and staff login attempts
// per fifteen minutes.
func WithLimits(submitsPerMinute, checksPerMinute, loginsPer15Min int) Option {
	return func(s *Site) {
		s.submits = ratelimit.PerMinute(submitsPerMinute, submitsPerMinute)
		s.imeiChecks = ratelimit.PerMinute(checksPerMinute, checksPerMinute)
		s.logins = ratelimit.PerSecond(float64(loginsPer15Min)/(15*60), loginsPer15Min)
	}
}

// webKey names the hub secret that signs the web's tokens: status links,
// staff sessions and CSRF tokens. It is not the e-mail links' key.
const webKey = "web key"

// New makes the web pages of h.
func New(ctx context.Context, h *hub.Hub, opts ...Option) (*Site, error) {
	s := &Site{hub: h, now: h.Now,
		// A person submits a trade-in or two; a shop's shared address a
		// few more. A buyer checks an IMEI a few times while typing.
		submits:    ratelimit.PerMinute(5, 5),
		imeiChecks: ratelimit.PerMinute(30, 30),
		// As the hub's supervisor grants: five PINs in fifteen minutes.
		logins: ratelimit.PerSecond(5.0/(15*60), 5),
	}
	for _, o := range opts {
		o(s)
	}
	s.log = cmp.Or(s.log, slog.New(slog.DiscardHandler))
	var key []byte
	err := h.DB().InTx(ctx, func(tx *hubdb.Tx) (err error) {
		key, err = tx.Secret(ctx, webKey, 32)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.links, err = linktoken.New(key); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.dummyPIN, err = intake.HashPIN("00000000", 0); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	files := http.StripPrefix("/web/static/", http.FileServerFS(static))
	s.mux.Handle("GET /web/static/", cacheFor(time.Hour, files))
	switch wasm, err := fs.ReadFile(static, wasmDecoderGz); {
	case err == nil && !s.noWasm:
		s.wasm = wasm
		s.mux.Handle("GET /web/static/decoder.wasm", cacheFor(time.Hour, http.HandlerFunc(s.wasmDecoder)))
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("web: %w", err)
	}
	s.routesBuyer()
	s.routesStaff()
	return s, nil
}

// wasmDecoderGz is the bench's barcode decoder compiled to WebAssembly
// (cmd/barcodewasm), gzipped: the Makefile builds it into static/ before
// the hub, and a hub built without it offers the buyer page's camera only
// where the browser reads barcodes itself or the hub decodes frames.
const wasmDecoderGz = "decoder.wasm.gz"

// wasmDecoder serves the WebAssembly decoder, gzipped to the browsers that
// take it (all of them: 1.5 MB rather than 4.7 MB on a phone's data plan).
func (s *Site) wasmDecoder(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/wasm")
	w.Header().Set("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(s.wasm)))
		_, _ = w.Write(s.wasm)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(s.wasm))
	if err != nil {
		s.failed(w, r, fmt.Errorf("the WebAssembly decoder: %w", err))
		return
	}
	if _, err := io.Copy(w, zr); err != nil {
		s.log.WarnContext(r.Context(), "web wasm decoder", "err", err)
	}
}

// acceptsGzip tells whether an Accept-Encoding header takes gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// Handler serves the pages.
func (s *Site) Handler() http.Handler { return s.mux }

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// refusal is the hub's refusal in err, if it is one: its message is for
// the person who asked.
func refusal(err error) (*hub.Error, bool) {
	var e *hub.Error
	return e, errors.As(err, &e)
}

// failed answers an error the page cannot show beside a field.
func (s *Site) failed(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := refusal(err); ok {
		status := http.StatusUnprocessableEntity
		switch e.Kind {
		case hub.KindNotFound:
			status = http.StatusNotFound
		case hub.KindConflict:
			status = http.StatusConflict
		}
		s.render(w, r, status, "message", messagePage{Title: "That did not work", Message: e.Detail})
		return
	}
	// The path only: no query string, no form values.
	s.log.ErrorContext(r.Context(), "web page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.render(w, r, http.StatusInternalServerError, "message", messagePage{Title: "Something went wrong",
		Message: "The hub could not do that just now. Please try again in a minute."})
}

type messagePage struct {
	Title   string
	Message string
}
