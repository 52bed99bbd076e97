package sellers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// Codes of this API's refusals, stable for clients; the hub's own are its
// Code* constants (a move the status machine forbids is
// invalid_status_transition with the trade-in's current_status).
const (
	CodeInvalid            = hub.CodeInvalid // a malformed body
	CodeValidation         = "validation_failed"
	CodeUnauthorized       = wire.CodeUnauthorized
	CodeForbidden          = "forbidden_seller"
	CodeNotFound           = wire.CodeNotFound
	CodeSubmissionNotFound = "submission_not_found"
	CodeItemNotFound       = "item_not_found"
	CodeSellerNotFound     = "seller_not_found"
	CodeOfferGiven         = "item_has_offer"
	CodeNoOffer            = "item_has_no_offer"
	CodeNoInfoAsked        = "more_information_not_asked"
	CodeMethodNotAllowed   = wire.CodeMethodNotAllowed
	CodeTooLarge           = wire.CodePayloadTooLarge
	CodeInternal           = wire.CodeInternal
	CodeOverloaded         = wire.CodeOverloaded
)

// maxBody bounds a request body: a submission of many items with their
// photo URLs is well under it.
const maxBody = 256 << 10

// FieldError is one rejected field of a request, named by its JSON path
// (items[0].attributes[1].values[0]).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problem is an RFC 9457 problem with a stable code.
type problem struct {
	Type          string        `json:"type"`
	Title         string        `json:"title"`
	Status        int           `json:"status"`
	Detail        string        `json:"detail,omitempty"`
	Code          string        `json:"code"`
	CurrentStatus intake.Status `json:"current_status,omitempty"`
	Errors        []FieldError  `json:"errors,omitempty"`
}

// refusal is a request this package refuses.
type refusal struct {
	status int
	code   string
	detail string
	fields []FieldError
}

func (e *refusal) Error() string { return e.code + ": " + e.detail }

func refuse(status int, code, format string, args ...any) *refusal {
	return &refusal{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

// fields gathers a request's rejected fields.
type fields []FieldError

func (f *fields) add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err is the 422 the fields are, or nil.
func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(f))
	for _, e := range f {
		msgs = append(msgs, e.Field+" "+e.Message)
	}
	return &refusal{status: http.StatusUnprocessableEntity, code: CodeValidation, detail: strings.Join(msgs, "; ") + ".", fields: f}
}

func problemOf(err error) (*problem, bool) {
	var (
		re *refusal
		he *hub.Error
	)
	switch {
	case errors.As(err, &re):
		return &problem{Status: re.status, Code: re.code, Detail: re.detail, Errors: re.fields}, true
	case errors.As(err, &he):
		return &problem{Status: he.Kind.HTTPStatus(), Code: he.Code, Detail: he.Detail, CurrentStatus: he.CurrentStatus}, true
	case errors.Is(err, hubdb.ErrBusy):
		return &problem{Status: http.StatusServiceUnavailable, Code: CodeOverloaded, Detail: "The database is busy; try again shortly."}, true
	}
	return &problem{Status: http.StatusInternalServerError, Code: CodeInternal, Detail: "The hub failed to answer; the error is in its log."}, false
}

func (a *API) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	p, ok := problemOf(err)
	if !ok {
		a.log.ErrorContext(r.Context(), "seller API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sellers"`)
	}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeProblemBody(w, p)
}

func writeProblemBody(w http.ResponseWriter, p *problem) {
	p.Type = wire.ProblemType(p.Code)
	p.Title = http.StatusText(p.Status)
	httpx.WriteProblem(w, p.Status, p)
}

// readJSON reads one JSON object into v: known fields only, numbers kept
// as their text (money is never a float), at most maxBody bytes.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return refuse(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json, not %.60q.", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return refuse(http.StatusRequestEntityTooLarge, CodeTooLarge, "The request body exceeds %d bytes.", tooBig.Limit)
	case err != nil:
		return fmt.Errorf("read request body: %w", err)
	case len(bytes.TrimSpace(body)) == 0:
		return refuse(http.StatusBadRequest, CodeInvalid, "The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			e := refuse(http.StatusBadRequest, CodeInvalid, "%s must not be a JSON %s.", typeErr.Field, typeErr.Value)
			e.fields = []FieldError{{Field: typeErr.Field, Message: "must not be a JSON " + typeErr.Value}}
			return e
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			e := refuse(http.StatusBadRequest, CodeInvalid, "Unknown field %q.", field)
			e.fields = []FieldError{{Field: field, Message: "unknown field"}}
			return e
		}
		return refuse(http.StatusBadRequest, CodeInvalid, "The request body is not a valid JSON object: %s.", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return refuse(http.StatusBadRequest, CodeInvalid, "The request body has data after its JSON object.")
	}
	return nil
}

// Amount is money as seed 004 writes it: a JSON number of currency units
// (100, 24.99), read from its text and kept in integer cents.
type Amount intake.Cents

// MarshalJSON writes the units without trailing zeros: 100, 24.5, 24.99.
func (m Amount) MarshalJSON() ([]byte, error) {
	s := intake.Cents(m).String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return []byte(s), nil
}

// Refusal is what a refused step says, whichever part of the hub refused
// it (this package or the hub's status machine): the HTTP status the API
// answers it with, its stable code, a sentence for the person who asked,
// the fields at fault (named as in the API's bodies: offerPrice.amount,
// rejectionReason, additionalPhotos, percentage) and, for a move the
// status machine forbids, the trade-in's current status.
type Refusal struct {
	Status        int
	Code          string
	Detail        string
	Fields        []FieldError
	CurrentStatus intake.Status
}

// RefusalOf tells whether err is a refusal of what was asked, rather than
// a failure of the hub's (a database error, a busy database), and what it
// says: callers other than the HTTP API (the staff's dashboard) show it to
// the person who asked.
func RefusalOf(err error) (Refusal, bool) {
	var (
		re *refusal
		he *hub.Error
	)
	switch {
	case errors.As(err, &re):
		return Refusal{Status: re.status, Code: re.code, Detail: re.detail, Fields: slices.Clone(re.fields)}, true
	case errors.As(err, &he):
		return Refusal{Status: he.Kind.HTTPStatus(), Code: he.Code, Detail: he.Detail, CurrentStatus: he.CurrentStatus}, true
	}
	return Refusal{}, false
}

// UnmarshalJSON reads units back into cents (12.05 is 1205): the
// promotions stored with an offer are read again at every uplift and
// reminder, and a plain integer decode would refuse 12.05 and read 10 as
// ten cents.
func (m *Amount) UnmarshalJSON(b []byte) error {
	c, err := intake.ParseCents(string(b))
	if err != nil {
		return fmt.Errorf("seller amount %.40s: %w", b, err)
	}
	*m = Amount(c)
	return nil
}
