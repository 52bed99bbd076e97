// Package shipenginetest is a local stand-in for ShipEngine's API, for
// tests: it checks the API key, validates label requests the way
// ShipEngine does, answers in ShipEngine's shapes with deterministic ids
// (label se-1, tracking number 9400100000000000000001, then se-2, ...),
// serves the label PDFs it links to, voids labels, and records every
// request.
//
// It is stricter than ShipEngine in one way: a label request with a field
// it does not know is refused, so a misspelt field fails a test instead of
// being silently ignored.
package shipenginetest

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Values the server answers with.
const (
	// CarrierID is the carrier account the server knows; a label request
	// naming another carrier_id is refused as ShipEngine refuses one it
	// cannot find.
	CarrierID = "se-1000001"
	// CarrierCode is CarrierID's carrier: Stamps.com, which sells USPS labels.
	CarrierCode = "stamps_com"
	// LabelCost is what every label costs, in dollars.
	LabelCost = 8.95
	// DeliveredAt is the actual_delivery_date of a parcel set to "DE".
	DeliveredAt = "2026-04-20T15:30:00Z"
)

// Request is a request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
}

// Server is the stand-in. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give the client, e.g. http://127.0.0.1:1234.
	URL string

	srv    *httptest.Server
	apiKey string

	mu       sync.Mutex
	requests []Request
	failNext int
	labels   int
	issued   map[string]label  // by label id
	tracking map[string]string // status code by tracking number
	voided   []string          // label ids, in the order they were voided
}

type label struct {
	trackingNumber string
	pdf            []byte
	voided         bool
}

// New starts a server accepting apiKey, closed when the test ends.
func New(t testing.TB, apiKey string) *Server {
	t.Helper()
	s := &Server{
		apiKey:   apiKey,
		issued:   map[string]label{},
		tracking: map[string]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/labels", s.authed(s.createLabel))
	mux.HandleFunc("GET /v1/tracking", s.authed(s.track))
	mux.HandleFunc("PUT /v1/labels/{label_id}/void", s.authed(s.void))
	// ShipEngine's download links work without the key: they are what
	// gets emailed to the customer.
	mux.HandleFunc("GET /v1/downloads/10/{label}/{file}", s.download)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, apiError{"shipengine", "validation", "not_found", "The requested resource was not found: " + r.Method + " " + r.URL.Path, ""})
	})
	s.srv = httptest.NewServer(s.record(mux))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// FailNext makes the next n requests, whatever they are, fail with a 500
// in ShipEngine's error shape.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Voided returns the ids of the labels voided so far, in the order they
// were: a void that was not approved is not among them.
func (s *Server) Voided() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.voided...)
}

// SetTrackingStatus makes the tracking endpoint report statusCode ("IT",
// "DE", ...) for trackingNumber. A label's tracking number starts at "NY"
// (not yet in system); a number the server never heard of is "UN".
func (s *Server) SetTrackingStatus(trackingNumber, statusCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tracking[trackingNumber] = statusCode
}

// record logs every request and applies FailNext before anything else,
// as an outage would.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body),
		})
		fail := s.failNext > 0
		if fail {
			s.failNext--
		}
		s.mu.Unlock()
		if fail {
			s.fail(w, http.StatusInternalServerError, apiError{"shipengine", "system", "unspecified", "An unexpected error occurred. Please try again.", ""})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("API-Key")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.apiKey)) != 1 {
			s.fail(w, http.StatusUnauthorized, apiError{"shipengine", "security", "unauthorized", "The API key is invalid. Please see https://www.shipengine.com/docs/auth", ""})
			return
		}
		h(w, r)
	}
}

// apiError is one entry of ShipEngine's errors array.
type apiError struct {
	Source    string `json:"error_source"`
	Type      string `json:"error_type"`
	Code      string `json:"error_code"`
	Message   string `json:"message"`
	FieldName string `json:"field_name,omitempty"`
}

func (s *Server) fail(w http.ResponseWriter, status int, errs ...apiError) {
	s.mu.Lock()
	id := s.requestID()
	s.mu.Unlock()
	writeJSON(w, status, map[string]any{"request_id": id, "errors": errs})
}

// requestID makes a deterministic UUID from the request count; s.mu is
// held.
func (s *Server) requestID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", len(s.requests))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type address struct {
	Name                        string `json:"name"`
	Phone                       string `json:"phone"`
	Email                       string `json:"email"`
	CompanyName                 string `json:"company_name"`
	AddressLine1                string `json:"address_line1"`
	AddressLine2                string `json:"address_line2"`
	AddressLine3                string `json:"address_line3"`
	CityLocality                string `json:"city_locality"`
	StateProvince               string `json:"state_province"`
	PostalCode                  string `json:"postal_code"`
	CountryCode                 string `json:"country_code"`
	AddressResidentialIndicator string `json:"address_residential_indicator"`
}

type pkg struct {
	PackageCode string `json:"package_code"`
	Weight      *struct {
		Value float64 `json:"value"`
		Unit  string  `json:"unit"`
	} `json:"weight"`
	LabelMessages *struct {
		Reference1 string `json:"reference1"`
		Reference2 string `json:"reference2"`
		Reference3 string `json:"reference3"`
	} `json:"label_messages"`
}

type labelRequest struct {
	Shipment *struct {
		CarrierID   string   `json:"carrier_id"`
		ServiceCode string   `json:"service_code"`
		ShipDate    string   `json:"ship_date"`
		ShipTo      *address `json:"ship_to"`
		ShipFrom    *address `json:"ship_from"`
		Packages    []pkg    `json:"packages"`
	} `json:"shipment"`
	LabelFormat       string `json:"label_format"`
	LabelLayout       string `json:"label_layout"`
	LabelDownloadType string `json:"label_download_type"`
	TestLabel         bool   `json:"test_label"`
}

func required(field string) apiError {
	return apiError{"shipengine", "validation", "field_value_required", field + " is required", field}
}

func invalid(field, msg string) apiError {
	return apiError{"shipengine", "validation", "invalid_field_value", field + " " + msg, field}
}

func checkAddress(field string, a *address, phoneRequired bool) []apiError {
	if a == nil {
		return []apiError{required(field)}
	}
	var errs []apiError
	need := []struct{ name, value string }{
		{"name", a.Name},
		{"phone", a.Phone},
		{"address_line1", a.AddressLine1},
		{"city_locality", a.CityLocality},
		{"postal_code", a.PostalCode},
		{"country_code", a.CountryCode},
	}
	for _, f := range need {
		if f.name == "phone" && !phoneRequired {
			continue
		}
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, required(field+"."+f.name))
		}
	}
	switch cc := a.CountryCode; {
	case cc != "" && !isCountryCode(cc):
		errs = append(errs, invalid(field+".country_code", fmt.Sprintf("must be a 2-letter upper-case ISO country code, not %q", cc)))
	case (cc == "US" || cc == "CA" || cc == "AU") && strings.TrimSpace(a.StateProvince) == "":
		errs = append(errs, required(field+".state_province"))
	}
	switch a.AddressResidentialIndicator {
	case "", "unknown", "yes", "no":
	default:
		errs = append(errs, invalid(field+".address_residential_indicator", "must be unknown, yes or no"))
	}
	return errs
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }

func validateLabel(req labelRequest) []apiError {
	sh := req.Shipment
	if sh == nil {
		return []apiError{required("shipment")}
	}
	var errs []apiError
	if sh.ServiceCode == "" {
		errs = append(errs, required("shipment.service_code"))
	}
	errs = append(errs, checkAddress("shipment.ship_to", sh.ShipTo, false)...)
	// ShipEngine insists on a phone number to reach the sender.
	errs = append(errs, checkAddress("shipment.ship_from", sh.ShipFrom, true)...)
	if len(sh.Packages) == 0 {
		errs = append(errs, required("shipment.packages"))
	}
	for i, p := range sh.Packages {
		field := fmt.Sprintf("shipment.packages[%d].weight", i)
		switch {
		case p.Weight == nil:
			errs = append(errs, required(field))
		case p.Weight.Value <= 0:
			errs = append(errs, invalid(field+".value", "must be greater than 0"))
		case !oneOf(p.Weight.Unit, "pound", "ounce", "gram", "kilogram"):
			errs = append(errs, invalid(field+".unit", "must be pound, ounce, gram or kilogram"))
		}
	}
	if req.LabelFormat != "" && !oneOf(req.LabelFormat, "pdf", "png", "zpl") {
		errs = append(errs, invalid("label_format", "must be pdf, png or zpl"))
	}
	if req.LabelLayout != "" && !oneOf(req.LabelLayout, "4x6", "letter") {
		errs = append(errs, invalid("label_layout", "must be 4x6 or letter"))
	}
	if req.LabelDownloadType != "" && !oneOf(req.LabelDownloadType, "url", "inline") {
		errs = append(errs, invalid("label_download_type", "must be url or inline"))
	}
	return errs
}

func (s *Server) createLabel(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // already read into memory by record
	if len(bytes.TrimSpace(body)) == 0 {
		s.fail(w, http.StatusBadRequest, apiError{"shipengine", "validation", "request_body_required", "A request body is required.", ""})
		return
	}
	var req labelRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.fail(w, http.StatusBadRequest, apiError{"shipengine", "validation", "invalid_field_value", "The request body could not be parsed: " + err.Error(), ""})
		return
	}
	if errs := validateLabel(req); len(errs) > 0 {
		s.fail(w, http.StatusBadRequest, errs...)
		return
	}
	sh := req.Shipment
	carrierCode := carrierFor(sh.ServiceCode)
	if sh.CarrierID != "" {
		if sh.CarrierID != CarrierID {
			s.fail(w, http.StatusBadRequest, apiError{"shipengine", "business_rules", "invalid_identifier", "carrier_id " + sh.CarrierID + " not found", "carrier_id"})
			return
		}
		carrierCode = CarrierCode
	}

	s.mu.Lock()
	s.labels++
	n := s.labels
	labelID := fmt.Sprintf("se-%d", n)
	tn := fmt.Sprintf("94001%017d", n)
	s.issued[labelID] = label{trackingNumber: tn, pdf: labelPDF(labelID, tn)}
	s.tracking[tn] = "NY"
	s.mu.Unlock()

	format := cmp.Or(req.LabelFormat, "pdf")
	href := fmt.Sprintf("%s/v1/downloads/10/%s/label-%d.%s", s.URL, labelID, n, format)
	packages := make([]map[string]any, len(sh.Packages))
	for i, p := range sh.Packages {
		packages[i] = map[string]any{
			"package_code":    cmp.Or(p.PackageCode, "package"),
			"weight":          p.Weight,
			"label_messages":  p.LabelMessages,
			"tracking_number": tn,
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"label_id":          labelID,
		"status":            "completed",
		"shipment_id":       fmt.Sprintf("se-shipment-%d", n),
		"ship_date":         "2026-04-18T00:00:00Z",
		"created_at":        "2026-04-18T12:00:00Z",
		"shipment_cost":     map[string]any{"currency": "usd", "amount": LabelCost},
		"insurance_cost":    map[string]any{"currency": "usd", "amount": 0.0},
		"tracking_number":   tn,
		"is_return_label":   false,
		"rma_number":        nil,
		"is_international":  sh.ShipTo.CountryCode != sh.ShipFrom.CountryCode,
		"batch_id":          "",
		"carrier_id":        cmp.Or(sh.CarrierID, CarrierID),
		"service_code":      sh.ServiceCode,
		"package_code":      "package",
		"voided":            false,
		"voided_at":         nil,
		"label_format":      format,
		"display_scheme":    "label",
		"label_layout":      cmp.Or(req.LabelLayout, "4x6"),
		"trackable":         true,
		"label_image_id":    nil,
		"carrier_code":      carrierCode,
		"tracking_status":   "in_transit",
		"label_download":    map[string]any{format: href, "href": href},
		"form_download":     nil,
		"insurance_claim":   nil,
		"packages":          packages,
		"charge_event":      "carrier_default",
		"test_label":        req.TestLabel,
		"alternative_links": nil,
	})
}

// carrierFor is the carrier ShipEngine picks for a service when no
// carrier_id is given.
func carrierFor(service string) string {
	switch {
	case strings.HasPrefix(service, "ups_"):
		return "ups"
	case strings.HasPrefix(service, "fedex_"):
		return "fedex"
	default:
		return CarrierCode
	}
}

// statusDescription is ShipEngine's description of a tracking status code.
func statusDescription(code string) string {
	switch code {
	case "AC":
		return "Accepted"
	case "IT":
		return "In Transit"
	case "DE":
		return "Delivered"
	case "EX":
		return "Exception"
	case "AT":
		return "Delivery Attempt"
	case "NY":
		return "Not Yet In System"
	case "SP":
		return "Delivered To Collection Location"
	}
	return "Unknown"
}

func (s *Server) track(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var errs []apiError
	for _, f := range []string{"carrier_code", "tracking_number"} {
		if q.Get(f) == "" {
			errs = append(errs, required(f))
		}
	}
	if len(errs) > 0 {
		s.fail(w, http.StatusBadRequest, errs...)
		return
	}
	tn := q.Get("tracking_number")
	s.mu.Lock()
	code, ok := s.tracking[tn]
	s.mu.Unlock()
	if !ok {
		code = "UN"
	}
	var delivered any
	if code == "DE" {
		delivered = DeliveredAt
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tracking_number":            tn,
		"tracking_url":               "https://tools.usps.com/go/TrackConfirmAction.action?tLabels=" + url.QueryEscape(tn),
		"status_code":                code,
		"status_description":         statusDescription(code),
		"carrier_code":               q.Get("carrier_code"),
		"carrier_status_code":        code,
		"carrier_status_description": statusDescription(code),
		"ship_date":                  "2026-04-18T00:00:00Z",
		"estimated_delivery_date":    nil,
		"actual_delivery_date":       delivered,
		"exception_description":      nil,
		"events":                     []any{},
	})
}

func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	l, ok := s.issued[r.PathValue("label")]
	s.mu.Unlock()
	if !ok || !strings.HasSuffix(r.PathValue("file"), ".pdf") {
		s.fail(w, http.StatusNotFound, apiError{"shipengine", "validation", "not_found", "No download found at " + r.URL.Path, ""})
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	_, _ = w.Write(l.pdf)
}

// void voids a label as ShipEngine does: approved once, while the carrier
// has not scanned the parcel; every other answer to a label it knows is a
// 200 that is not approved, with the reason.
func (s *Server) void(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("label_id")
	s.mu.Lock()
	l, ok := s.issued[id]
	status := s.tracking[l.trackingNumber]
	answer := map[string]any{"approved": false}
	switch {
	case !ok:
	case l.voided:
		answer["message"], answer["reason_code"] = "Label "+id+" has already been voided.", "label_already_voided"
	case status != "NY" && status != "UN":
		answer["message"], answer["reason_code"] = "Label "+id+" has already been used: the carrier has scanned the parcel.", "label_already_used"
	default:
		l.voided = true
		s.issued[id] = l
		s.voided = append(s.voided, id)
		answer["approved"], answer["message"], answer["voided_label_ids"] = true, "Request for refund submitted. Label "+id+" has been voided.", []string{id}
	}
	s.mu.Unlock()
	if !ok {
		s.fail(w, http.StatusNotFound, apiError{"shipengine", "validation", "not_found", "Label " + id + " was not found.", ""})
		return
	}
	writeJSON(w, http.StatusOK, answer)
}
