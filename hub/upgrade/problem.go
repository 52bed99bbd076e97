package upgrade

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
	"github.com/intakebench/intakebench/internal/retryafter"
)

// Codes of the refusals this package makes itself, at the HTTP edge; the
// hub's own are its Code* constants. Stable for clients.
const (
	codeInvalid          = hub.CodeInvalid // a malformed body, a wrong field
	codeUnsupportedMedia = "unsupported_media_type"
	codeNotFound         = wire.CodeNotFound
	codeMethodNotAllowed = wire.CodeMethodNotAllowed
	codeTooLarge         = wire.CodePayloadTooLarge
	codeUnauthorized     = wire.CodeUnauthorized
	codeForbidden        = wire.CodeInsufficientScope
	codeRateLimited      = wire.CodeRateLimited
	codeOverloaded       = wire.CodeOverloaded
	codeInternal         = wire.CodeInternal
	codeInvalidLink      = "invalid_link"
)

// problem is an RFC 9457 problem with the API's extensions.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	// CurrentStatus is the trade-in's status, with a 409 for a move its
	// status does not allow.
	CurrentStatus intake.Status `json:"current_status,omitempty"`
	// Errors are the rejected fields of the request.
	Errors []fieldError `json:"errors,omitempty"`
}

// fieldError is one rejected field of a request.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// requestError is a request refused at the HTTP edge, before the hub:
// its body, its credential, its path.
type requestError struct {
	status int
	code   string
	detail string
	fields []fieldError
}

func (e *requestError) Error() string { return e.code + ": " + e.detail }

func badRequest(detail string, fields ...fieldError) *requestError {
	return &requestError{status: http.StatusBadRequest, code: codeInvalid, detail: detail, fields: fields}
}

// retryLater is a refusal that says when to come back (the hub's login
// rate limit): answered with its status and Retry-After.
type retryLater interface {
	error
	RetryAfter() time.Duration
	HTTPStatus() int
}

// problemOf maps an error to the problem it is answered with, and the
// seconds of its Retry-After ("" for none). ok is false for a failure of
// the hub, which is logged and answered 500.
func problemOf(err error) (p *problem, retry string, ok bool) {
	var (
		re    *requestError
		he    *hub.Error
		later retryLater
	)
	switch {
	case errors.As(err, &re):
		return &problem{Status: re.status, Code: re.code, Detail: re.detail, Errors: re.fields}, "", true
	case errors.As(err, &he):
		return &problem{Status: he.Kind.HTTPStatus(), Code: he.Code, Detail: he.Detail, CurrentStatus: he.CurrentStatus}, "", true
	case errors.As(err, &later):
		p := &problem{Status: later.HTTPStatus(), Code: codeRateLimited, Detail: "Too many attempts; try again later."}
		switch p.Status {
		case http.StatusServiceUnavailable:
			p.Code, p.Detail = codeOverloaded, "The hub is busy; try again shortly."
		case http.StatusRequestTimeout:
			p.Code, p.Detail = wire.CodeRequestTimeout, "The request came too slowly; send it again."
		}
		return p, retryafter.Seconds(later.RetryAfter()), true
	case errors.Is(err, hubdb.ErrBusy):
		return &problem{Status: http.StatusServiceUnavailable, Code: codeOverloaded, Detail: "The database is busy; try again shortly."}, "1", true
	case errors.Is(err, hub.ErrUnauthorized):
		return &problem{Status: http.StatusUnauthorized, Code: codeUnauthorized, Detail: "The credential is unknown, expired or revoked."}, "", true
	}
	return &problem{Status: http.StatusInternalServerError, Code: codeInternal, Detail: "The hub failed to answer; the error is in its log."}, "", false
}

// writeProblem answers err as a problem. A failure of the hub is logged
// with its cause, which the client is not shown.
func (a *API) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client hung up: nobody reads an answer, and nothing failed.
		return
	}
	p, retry, ok := problemOf(err)
	if !ok {
		a.log.ErrorContext(r.Context(), "upgrade API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if retry != "" {
		w.Header().Set("Retry-After", retry)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="upgrade"`)
	}
	writeProblemBody(w, p)
}

func writeProblemBody(w http.ResponseWriter, p *problem) {
	p.Type = wire.ProblemType(p.Code)
	p.Title = http.StatusText(p.Status)
	httpx.WriteProblem(w, p.Status, p)
}
