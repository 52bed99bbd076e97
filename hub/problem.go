package hub

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/retryafter"
)

// The HTTP edge: refusals become RFC 9457 problems here and only here.

var kindStatus = [...]int{
	KindInvalid:          http.StatusBadRequest,
	KindUnauthorized:     http.StatusUnauthorized,
	KindForbidden:        http.StatusForbidden,
	KindNotFound:         http.StatusNotFound,
	KindConflict:         http.StatusConflict,
	KindGone:             http.StatusGone,
	KindUnprocessable:    http.StatusUnprocessableEntity,
	KindTooLarge:         http.StatusRequestEntityTooLarge,
	kindMethodNotAllowed: http.StatusMethodNotAllowed,
}

// kindMethodNotAllowed is a route served with other methods: only the
// HTTP layer refuses that.
const kindMethodNotAllowed = KindTooLarge + 1

// HTTPStatus is the status every HTTP edge of the hub answers a refusal
// of kind k with; 400 for a kind it does not know.
func (k Kind) HTTPStatus() int {
	if int(k) > 0 && int(k) < len(kindStatus) {
		return kindStatus[k]
	}
	return http.StatusBadRequest
}

// problemOf is the problem answer of a refusal.
func problemOf(e *Error) *wire.Problem {
	status := e.Kind.HTTPStatus()
	return &wire.Problem{Type: wire.ProblemType(e.Code), Title: http.StatusText(status), Status: status, Code: e.Code,
		Detail: e.Detail, ExpectedSeq: e.ExpectedSeq, Key: e.Key}
}

// unavailable is a refusal that tells the client when to come back: 429
// or 503 with Retry-After.
type unavailable struct {
	status int
	code   string
	detail string
	after  time.Duration
}

func (u *unavailable) Error() string { return u.code + ": " + u.detail }

// HTTPStatus is 429 or 503, for the hub's other HTTP edges.
func (u *unavailable) HTTPStatus() int { return u.status }

// RetryAfter is when the client may come back.
func (u *unavailable) RetryAfter() time.Duration { return u.after }

// writeProblem writes err as a problem: a refusal with its status, a busy
// database as 503 with Retry-After, anything else as a 500 whose cause is
// logged and not shown.
func writeProblem(w http.ResponseWriter, log *slog.Logger, r *http.Request, err error) {
	var p *wire.Problem
	var e *Error
	var u *unavailable
	switch {
	case errors.As(err, &u):
		w.Header().Set("Retry-After", retryafter.Seconds(u.after))
		p = &wire.Problem{Type: wire.ProblemType(u.code), Title: http.StatusText(u.status), Status: u.status, Code: u.code, Detail: u.detail}
	case errors.As(err, &e):
		p = problemOf(e)
	case errors.Is(err, hubdb.ErrBusy):
		w.Header().Set("Retry-After", "1")
		p = &wire.Problem{Type: wire.ProblemType(wire.CodeOverloaded), Title: http.StatusText(http.StatusServiceUnavailable),
			Status: http.StatusServiceUnavailable, Code: wire.CodeOverloaded, Detail: "The database is busy; try again shortly."}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client hung up: nobody reads an answer, and the hub did not fail.
		log.InfoContext(r.Context(), "client went away", "method", r.Method, "path", r.URL.Path)
		return
	default:
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p = &wire.Problem{Type: wire.ProblemType(wire.CodeInternal), Title: http.StatusText(http.StatusInternalServerError),
			Status: http.StatusInternalServerError, Code: wire.CodeInternal, Detail: "The hub failed to answer; the error is in its log."}
	}
	w.Header().Set("Content-Type", wire.ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
