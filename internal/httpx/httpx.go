// Package httpx holds what every HTTP surface of the hub writes the same
// way: JSON bodies, and the seeds' {"success": …} envelope that the public
// API and the webhook management API answer in.
package httpx

import (
	"encoding/json"
	"net/http"
	"strings"
)

// WriteJSON writes v as a JSON body that no cache may keep.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	JSONHeaders(w)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteProblem writes problem, an RFC 9457 problem document
// (application/problem+json), that no cache may keep.
func WriteProblem(w http.ResponseWriter, status int, problem any) {
	JSONHeaders(w)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem)
}

// JSONHeaders sets the headers of a JSON answer, for a body written by
// hand: no cache keeps it, and no browser takes it for anything but JSON.
func JSONHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// FieldError is one rejected input of a seed-envelope API, with a stable
// machine-readable Issue: clients switch on it, people read Message.
type FieldError struct {
	Field   string `json:"field"`
	Issue   string `json:"issue"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// APIError is the error of the seeds' envelope.
type APIError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Details []FieldError `json:"details,omitempty"`
}

// errorBody is {"success": false, "error": …}.
type errorBody struct {
	Success bool     `json:"success"`
	Error   APIError `json:"error"`
}

type dataBody struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

// WriteData answers {"success": true, "data": data}.
func WriteData(w http.ResponseWriter, status int, data any) {
	WriteJSON(w, status, dataBody{Success: true, Data: data})
}

// WriteError answers {"success": false, "error": {code, message, details}}.
func WriteError(w http.ResponseWriter, status int, code, message string, details ...FieldError) {
	WriteJSON(w, status, errorBody{Error: APIError{Code: code, Message: message, Details: details}})
}

// CodeValidation is the envelope's code of a request with rejected fields.
const CodeValidation = "VALIDATION_ERROR"

// FieldErrors collects every rejected input of a request, so a client
// fixes them all in one round trip.
type FieldErrors []FieldError

// Add records a rejected field.
func (v *FieldErrors) Add(field, issue, message string) {
	*v = append(*v, FieldError{Field: field, Issue: issue, Message: message})
}

// Write answers 400 VALIDATION_ERROR with every rejected field.
func (v FieldErrors) Write(w http.ResponseWriter) {
	msgs := make([]string, len(v))
	for i, e := range v {
		msgs[i] = e.Message
	}
	WriteError(w, http.StatusBadRequest, CodeValidation, strings.Join(msgs, "; "), v...)
}
