package public

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/intakebench/intakebench/internal/httpx"
)

// addf records a rejected field with a formatted message.
func addf(fe *httpx.FieldErrors, field, issue, format string, args ...any) {
	fe.Add(field, issue, fmt.Sprintf(format, args...))
}

// readJSON reads a JSON body into v strictly: one object, known fields
// only, within the size limit. It writes the error answer and returns
// false on any problem.
func (a *API) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			httpx.WriteError(w, http.StatusUnsupportedMediaType, codeMediaType, "Content-Type must be application/json")
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
		fe      httpx.FieldErrors
	)
	switch {
	case errors.As(err, &tooBig):
		httpx.WriteError(w, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		httpx.WriteError(w, http.StatusBadRequest, codeMalformed, "request body is empty; want a JSON object")
	case errors.As(err, &typeErr):
		addf(&fe, typeErr.Field, "wrong_type", "%s must be a JSON %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		fe.Write(w)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		addf(&fe, field, "unknown_field", "unknown field %q", field)
		fe.Write(w)
	default:
		httpx.WriteError(w, http.StatusBadRequest, codeMalformed, "request body is not valid JSON: "+err.Error())
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

// quoteID reads the {id} path value, writing a 404 for anything that
// cannot be a quote id.
func quoteID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.WriteError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("quote %q not found", r.PathValue("id")))
		return 0, false
	}
	return id, true
}
