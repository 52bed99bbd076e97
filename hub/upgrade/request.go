package upgrade

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// readJSON reads a JSON body into v strictly: one object, known fields
// only, at most MaxJSONBody bytes, sent as application/json. An empty
// body is an empty object when optional is true, and refused otherwise.
func readJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !isJSON(ct) {
		return unsupportedMedia(ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &requestError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
			detail: fmt.Sprintf("The request body exceeds %d bytes.", tooBig.Limit)}
	case err != nil:
		return fmt.Errorf("read request body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return badRequest("The request body is empty; send a JSON object.")
	}
	if ct == "" {
		return unsupportedMedia(ct)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber() // money is read from a number's text, never through float64
	err = dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return badRequest("The request body has data after its JSON object.")
		}
		return nil
	}
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return badRequest(fmt.Sprintf("%s must be a JSON %s, not %s.", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value),
			fieldError{Field: typeErr.Field, Message: fmt.Sprintf("must be a JSON %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)})
	case errors.As(err, &typeErr):
		return badRequest(fmt.Sprintf("The request body must be a JSON object, not %s.", typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(fmt.Sprintf("Unknown field %q.", field), fieldError{Field: field, Message: "unknown field"})
	case errors.As(err, &syntaxErr):
		return badRequest(fmt.Sprintf("The request body is not valid JSON (at byte %d): %s.", syntaxErr.Offset, syntaxErr.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("The request body is cut short: it is not a whole JSON object.")
	}
	return badRequest("The request body is not valid JSON: " + err.Error() + ".")
}

// isJSON reports whether a Content-Type says the body is JSON.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func unsupportedMedia(ct string) error {
	if ct == "" {
		return &requestError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
			detail: "The body has no Content-Type: send it as application/json."}
	}
	return &requestError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
		detail: fmt.Sprintf("Content-Type must be application/json, not %.60q.", ct)}
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "string":
		return "string"
	case goKind == "slice":
		return "array"
	case goKind == "struct", goKind == "map":
		return "object"
	}
	return goKind
}

// fields collects the rejected fields of a request, so a client fixes
// them all in one round trip.
type fields []fieldError

func (f *fields) add(field, format string, args ...any) {
	*f = append(*f, fieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err is the 400 answer of the rejected fields, nil when there are none.
func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	msgs := make([]string, len(f))
	for i, e := range f {
		msgs[i] = e.Field + " " + e.Message
	}
	return badRequest(strings.Join(msgs, "; ")+".", f...)
}

// money reads an amount sent as a JSON number with at most two decimals
// (350.00) from the number's own text: a float never sees it. A string,
// an exponent or a third decimal is refused, not rounded.
func (f *fields) money(field string, raw json.RawMessage, required bool) intake.Cents {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			f.add(field, "is required")
		}
		return 0
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		f.add(field, "must be a JSON number with at most two decimals, such as 350.00")
		return 0
	}
	c, err := intake.ParseCents(string(raw))
	if err != nil {
		f.add(field, "must be a JSON number with at most two decimals, such as 350.00, not %s", raw)
		return 0
	}
	return c
}

// timestamp reads an RFC 3339 time.
func (f *fields) timestamp(field, s string) time.Time {
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.add(field, "must be an RFC 3339 time such as 2024-02-01T00:00:00Z, not %.40q", s)
	}
	return at
}

// page reads the limit and cursor of a listing.
func page(r *http.Request, def, most int) (limit int, cursor string, err error) {
	q := r.URL.Query()
	limit = def
	var f fields
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > most {
			f.add("limit", "must be a whole number from 1 to %d", most)
		}
		limit = n
	}
	cursor = q.Get("cursor")
	if len(cursor) > 512 {
		f.add("cursor", "is not one the hub gave")
	}
	return limit, cursor, f.err()
}

// statusFilter reads the status a listing is limited to ("" for all).
func statusFilter(r *http.Request) (intake.Status, error) {
	s := r.URL.Query().Get("status")
	if s == "" {
		return "", nil
	}
	st, err := intake.ParseStatus(s)
	if err != nil {
		return "", badRequest(err.Error()+".", fieldError{Field: "status", Message: err.Error()})
	}
	return st, nil
}

// pathID reads the {id} path value; ids are short printable tokens, and
// anything else cannot name anything.
func pathID(r *http.Request, code, what string) (string, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return "", &requestError{status: http.StatusNotFound, code: code, detail: fmt.Sprintf("There is no %s %.40q.", what, id)}
	}
	return id, nil
}
