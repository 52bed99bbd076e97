package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/intakebench/intakebench/internal/httpx"
)

func validateURL(raw string) (*url.URL, error) {
	bad := func(issue, msg string) error {
		return &httpx.FieldError{Field: "url", Issue: issue, Message: msg}
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, bad("required", "url is required")
	}
	if len(raw) > 2048 {
		return nil, bad("too_long", "url is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("malformed", "url is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad("unsupported_scheme", fmt.Sprintf("url scheme must be http or https, not %q", u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, bad("missing_host", "url has no host")
	}
	if u.Fragment != "" {
		return nil, bad("fragment", "url must not have a #fragment")
	}
	return u, nil
}

const maxManageBody = 16 << 10

// Handler serves the management API under /api/v1/webhooks:
//
//	POST   /api/v1/webhooks                   {url, events?, secret?} → 201 {id, url, events, created_at, secret}
//	GET    /api/v1/webhooks                   → [endpoint] (secrets are never listed)
//	DELETE /api/v1/webhooks/{id}              → {id, deleted: true}
//	GET    /api/v1/webhooks/{id}/deliveries   → [delivery with attempt log]
//	GET    /api/v1/webhooks/{id}/dead         → [dead-lettered delivery with attempt log]
//	POST   /api/v1/webhooks/{id}/dead/redrive {delivery_id?} → {endpoint_id, redriven: [delivery id]}
//
// A redrive without a body (or with {}) puts every dead delivery of the
// endpoint back in its queue; with delivery_id only that one, answering
// 404 NOT_FOUND if it is not the endpoint's and 409 CONFLICT if it is not
// dead. A URL refused by the address guard is a 400 VALIDATION_ERROR with
// the issue "forbidden_address".
//
// It checks no credentials: whoever mounts it puts it behind their own
// authentication (the public API requires a key with the webhooks:write
// scope). Bodies are wrapped as {"success":true,"data":...}; errors as
// {"success":false,"error":{"code","message","details"?}}, the envelope of
// the public API (package httpx).
func (d *Dispatcher) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/webhooks", d.handleRegister)
	mux.HandleFunc("GET /api/v1/webhooks", d.handleList)
	mux.HandleFunc("DELETE /api/v1/webhooks/{id}", d.handleDelete)
	mux.HandleFunc("GET /api/v1/webhooks/{id}/deliveries", d.handleDeliveries)
	mux.HandleFunc("GET /api/v1/webhooks/{id}/dead", d.handleDead)
	mux.HandleFunc("POST /api/v1/webhooks/{id}/dead/redrive", d.handleRedrive)
	mux.HandleFunc("/api/v1/webhooks/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, "NOT_FOUND", "no such webhooks route")
	})
	return mux
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
	httpx.WriteData(w, http.StatusCreated, registerResponse{Endpoint: ep, Secret: secret})
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
	httpx.WriteData(w, http.StatusOK, eps)
}

func (d *Dispatcher) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := d.Remove(r.Context(), id); err != nil {
		d.writeErr(w, r, err)
		return
	}
	httpx.WriteData(w, http.StatusOK, map[string]any{"id": id, "deleted": true})
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
	httpx.WriteData(w, http.StatusOK, ds)
}

func (d *Dispatcher) handleDead(w http.ResponseWriter, r *http.Request) {
	ds, err := d.Dead(r.Context(), r.PathValue("id"))
	if err != nil {
		d.writeErr(w, r, err)
		return
	}
	httpx.WriteData(w, http.StatusOK, ds)
}

type redriveRequest struct {
	DeliveryID int64 `json:"delivery_id"`
}

type redriveResponse struct {
	EndpointID string  `json:"endpoint_id"`
	Redriven   []int64 `json:"redriven"`
}

func (d *Dispatcher) handleRedrive(w http.ResponseWriter, r *http.Request) {
	var req redriveRequest
	// No body means every dead delivery: the common case needs no JSON.
	if !decodeJSON(w, r, &req, true) {
		return
	}
	if req.DeliveryID < 0 {
		httpx.FieldErrors{{Field: "delivery_id", Issue: "invalid", Message: "delivery_id must be a delivery id, or absent for every dead delivery"}}.Write(w)
		return
	}
	id := r.PathValue("id")
	ids, err := d.Redrive(r.Context(), id, req.DeliveryID)
	if err != nil {
		d.writeErr(w, r, err)
		return
	}
	httpx.WriteData(w, http.StatusOK, redriveResponse{EndpointID: id, Redriven: ids})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeJSON(w, r, v, false)
}

// decodeJSON reads one JSON object into v, strictly; with optional an
// empty body is fine too and leaves v alone.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxManageBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if optional && err == io.EOF {
		return true
	}
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		httpx.WriteError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
		return false
	}
	httpx.WriteError(w, http.StatusBadRequest, "MALFORMED_JSON", "request body is not valid JSON for this endpoint: "+err.Error())
	return false
}

func (d *Dispatcher) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var fe *httpx.FieldError
	switch {
	case errors.As(err, &fe):
		httpx.FieldErrors{*fe}.Write(w)
	case errors.Is(err, ErrNotFound):
		httpx.WriteError(w, http.StatusNotFound, "NOT_FOUND", "webhook endpoint not found")
	case errors.Is(err, ErrDeliveryNotFound):
		httpx.WriteError(w, http.StatusNotFound, "NOT_FOUND", "webhook delivery not found for this endpoint")
	case errors.Is(err, ErrNotDead):
		httpx.WriteError(w, http.StatusConflict, "CONFLICT", "webhook delivery is not dead-lettered")
	default:
		d.log.ErrorContext(r.Context(), "webhook management request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		httpx.WriteError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "internal error")
	}
}
