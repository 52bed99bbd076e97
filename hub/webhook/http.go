package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ScopeWrite is the API key scope the management endpoints require.
const ScopeWrite = "webhooks:write"

// KeyVerifier checks a bearer API key and returns its scopes. Any error
// means the key is not accepted: the handler fails closed with 401.
type KeyVerifier interface {
	Verify(ctx context.Context, bearer string) (scopes []string, err error)
}

// ValidationError is a rejected input, with a stable machine-readable Issue.
type ValidationError struct {
	Field   string `json:"field"`
	Issue   string `json:"issue"`
	Message string `json:"message"`
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

func validateURL(raw string) (string, error) {
	bad := func(issue, msg string) error {
		return &ValidationError{Field: "url", Issue: issue, Message: msg}
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", bad("required", "url is required")
	}
	if len(raw) > 2048 {
		return "", bad("too_long", "url is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", bad("malformed", "url is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", bad("unsupported_scheme", fmt.Sprintf("url scheme must be http or https, not %q", u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", bad("missing_host", "url has no host")
	}
	if u.Fragment != "" {
		return "", bad("fragment", "url must not have a #fragment")
	}
	return u.String(), nil
}

const maxManageBody = 16 << 10

// Handler serves the management API under /api/v1/webhooks, every route
// requiring the webhooks:write scope:
//
//	POST   /api/v1/webhooks                   {url, events?, secret?} → 201 {id, url, events, created_at, secret}
//	GET    /api/v1/webhooks                   → [endpoint] (secrets are never listed)
//	DELETE /api/v1/webhooks/{id}              → {id, deleted: true}
//	GET    /api/v1/webhooks/{id}/deliveries   → [delivery with attempt log]
//
// Bodies are wrapped as {"success":true,"data":...}; errors as
// {"success":false,"error":{"code","message","details"?}}, the envelope of
// the public API.
func (d *Dispatcher) Handler(keys KeyVerifier) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/webhooks", d.handleRegister)
	mux.HandleFunc("GET /api/v1/webhooks", d.handleList)
	mux.HandleFunc("DELETE /api/v1/webhooks/{id}", d.handleDelete)
	mux.HandleFunc("GET /api/v1/webhooks/{id}/deliveries", d.handleDeliveries)
	mux.HandleFunc("/api/v1/webhooks/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such webhooks route", nil)
	})
	return requireScope(keys, ScopeWrite, mux)
}

func requireScope(keys KeyVerifier, scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(bearer) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "missing bearer API key", nil)
			return
		}
		scopes, err := keys.Verify(r.Context(), strings.TrimSpace(bearer))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid API key", nil)
			return
		}
		if !slices.Contains(scopes, scope) {
			writeError(w, http.StatusForbidden, "FORBIDDEN", "API key lacks scope "+scope, nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type registerRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

type registerResponse struct {
	Endpoint
	Secret string `json:"secret"`
}

func (d *Dispatcher) handleRegister(w http.ResponseWriter, r *http.Request) {
	var req registerRequest
	if !decode(w, r, &req) {
		return
	}
	ep, secret, err := d.Register(r.Context(), req.URL, req.Events, req.Secret)
	if err != nil {
		d.writeErr(w, r, err)
		return
	}
	writeData(w, http.StatusCreated, registerResponse{Endpoint: ep, Secret: secret})
}

func (d *Dispatcher) handleList(w http.ResponseWriter, r *http.Request) {
	eps, err := d.Endpoints(r.Context())
	if err != nil {
		d.writeErr(w, r, err)
		return
	}
	if eps == nil {
		eps = []Endpoint{}
	}
	writeData(w, http.StatusOK, eps)
}

func (d *Dispatcher) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := d.Remove(r.Context(), id); err != nil {
		d.writeErr(w, r, err)
		return
	}
	writeData(w, http.StatusOK, map[string]any{"id": id, "deleted": true})
}

func (d *Dispatcher) handleDeliveries(w http.ResponseWriter, r *http.Request) {
	ds, err := d.Deliveries(r.Context(), r.PathValue("id"))
	if err != nil {
		d.writeErr(w, r, err)
		return
	}
	if ds == nil {
		ds = []Delivery{}
	}
	writeData(w, http.StatusOK, ds)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxManageBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit), nil)
		return false
	}
	writeError(w, http.StatusBadRequest, "MALFORMED_JSON", "request body is not valid JSON for this endpoint: "+err.Error(), nil)
	return false
}

func (d *Dispatcher) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", ve.Message, []*ValidationError{ve})
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "NOT_FOUND", "webhook endpoint not found", nil)
	default:
		d.log.ErrorContext(r.Context(), "webhook management request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "internal error", nil)
	}
}

func writeData(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, map[string]any{"success": true, "data": data})
}

func writeError(w http.ResponseWriter, status int, code, msg string, details []*ValidationError) {
	e := map[string]any{"code": code, "message": msg}
	if len(details) > 0 {
		e["details"] = details
	}
	writeJSON(w, status, map[string]any{"success": false, "error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
