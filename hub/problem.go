package hub

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
)

// problem makes the RFC 9457 answer of a contract error. Hub methods return
// it as their error; the server writes it as it is.
func problem(status int, code, detail string) *wire.Problem {
	return &wire.Problem{Type: wire.ProblemType(code), Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}

// retryAfterProblem is a problem that tells the client when to come back.
type retryAfterProblem struct {
	*wire.Problem
	after time.Duration
}

func (p *retryAfterProblem) Unwrap() error { return p.Problem }

// writeProblem writes err as a problem: a *wire.Problem as it is, a busy
// database as 503 with Retry-After, anything else as a 500 whose cause is
// logged and not shown.
func writeProblem(w http.ResponseWriter, log *slog.Logger, r *http.Request, err error) {
	var p *wire.Problem
	var ra *retryAfterProblem
	switch {
	case errors.As(err, &ra):
		w.Header().Set("Retry-After", retryAfterSeconds(ra.after))
		p = ra.Problem
	case errors.As(err, &p):
	case isBusy(err):
		w.Header().Set("Retry-After", "1")
		p = problem(http.StatusServiceUnavailable, wire.CodeOverloaded, "The database is busy; try again shortly.")
	default:
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p = problem(http.StatusInternalServerError, wire.CodeInternal, "The hub failed to answer; the error is in its log.")
	}
	w.Header().Set("Content-Type", wire.ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func retryAfterSeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}
