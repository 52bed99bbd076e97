package shipping

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/intakebench/intakebench/internal/retryafter"
)

// Defaults of a ShipEngine client.
const (
	DefaultBaseURL     = "https://api.shipengine.com"
	DefaultServiceCode = "usps_priority_mail"
)

const (
	// maxResponse bounds what we read of any answer: a label response is a
	// few kilobytes.
	maxResponse = 1 << 20
	// maxRetryAfter caps a Retry-After we honour between Track attempts.
	maxRetryAfter = 30 * time.Second
)

// ShipEngine buys prepaid labels from ShipEngine's API
// (https://api.shipengine.com) and tracks the parcels.
type ShipEngine struct {
	apiKey       string
	baseURL      string
	client       *http.Client
	carrierID    string
	serviceCode  string
	trackRetries int
	retryBackoff time.Duration
}

// Option configures a ShipEngine client.
type Option func(*ShipEngine)

// WithBaseURL points the client somewhere other than DefaultBaseURL, such
// as a shipenginetest.Server.
func WithBaseURL(u string) Option {
	return func(s *ShipEngine) { s.baseURL = strings.TrimRight(u, "/") }
}

// WithHTTPClient sets the HTTP client. Its redirect policy is replaced:
// the API key travels in a header that Go would forward to any host a
// redirect names.
func WithHTTPClient(c *http.Client) Option { return func(s *ShipEngine) { s.client = c } }

// WithCarrierID sets the carrier account labels are bought from and billed
// to, e.g. "se-123456". Without it ShipEngine picks the account that offers
// the service code.
func WithCarrierID(id string) Option { return func(s *ShipEngine) { s.carrierID = id } }

// WithServiceCode sets the carrier service, DefaultServiceCode unless set.
func WithServiceCode(code string) Option { return func(s *ShipEngine) { s.serviceCode = code } }

// WithTrackRetries sets how many more times Track tries after a transient
// failure (default 2), waiting backoff times the attempt number in between
// (default 500ms), or what a Retry-After asks, up to 30s.
func WithTrackRetries(n int, backoff time.Duration) Option {
	return func(s *ShipEngine) { s.trackRetries, s.retryBackoff = max(n, 0), max(backoff, 0) }
}

// NewShipEngine makes a client authenticating with apiKey.
func NewShipEngine(apiKey string, opts ...Option) (*ShipEngine, error) {
	s := &ShipEngine{
		apiKey:       strings.TrimSpace(apiKey),
		baseURL:      DefaultBaseURL,
		client:       &http.Client{Timeout: 30 * time.Second},
		serviceCode:  DefaultServiceCode,
		trackRetries: 2,
		retryBackoff: 500 * time.Millisecond,
	}
	for _, o := range opts {
		o(s)
	}
	if s.apiKey == "" {
		return nil, errors.New("shipping: ShipEngine API key is empty")
	}
	u, err := url.Parse(s.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("shipping: ShipEngine base URL %q is not an http(s) URL", s.baseURL)
	}
	if strings.TrimSpace(s.serviceCode) == "" {
		return nil, errors.New("shipping: ShipEngine service code is empty")
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	c := *s.client // a copy: the caller's client keeps its own policy
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.client = &c
	return s, nil
}

// String describes the client without its API key, so that logging it is
// safe.
func (s *ShipEngine) String() string {
	return fmt.Sprintf("ShipEngine{base: %s, carrier_id: %q, service_code: %q}", s.baseURL, s.carrierID, s.serviceCode)
}

// GoString is String, for %#v.
func (s *ShipEngine) GoString() string { return s.String() }

// ShipEngine's wire types: https://www.shipengine.com/docs/labels/create-a-label/

type seAddress struct {
	Name                        string `json:"name"`
	Phone                       string `json:"phone"`
	CompanyName                 string `json:"company_name,omitempty"`
	AddressLine1                string `json:"address_line1"`
	AddressLine2                string `json:"address_line2,omitempty"`
	CityLocality                string `json:"city_locality"`
	StateProvince               string `json:"state_province,omitempty"`
	PostalCode                  string `json:"postal_code"`
	CountryCode                 string `json:"country_code"`
	AddressResidentialIndicator string `json:"address_residential_indicator"`
}

type seWeight struct {
	Value int    `json:"value"`
	Unit  string `json:"unit"`
}

type seLabelMessages struct {
	Reference1 string `json:"reference1"`
}

type sePackage struct {
	Weight        seWeight         `json:"weight"`
	LabelMessages *seLabelMessages `json:"label_messages,omitempty"`
}

type seShipment struct {
	CarrierID   string      `json:"carrier_id,omitempty"`
	ServiceCode string      `json:"service_code"`
	ShipTo      seAddress   `json:"ship_to"`
	ShipFrom    seAddress   `json:"ship_from"`
	Packages    []sePackage `json:"packages"`
}

type seLabelRequest struct {
	Shipment          seShipment `json:"shipment"`
	LabelFormat       string     `json:"label_format"`
	LabelLayout       string     `json:"label_layout"`
	LabelDownloadType string     `json:"label_download_type"`
}

type seLabel struct {
	LabelID        string `json:"label_id"`
	Status         string `json:"status"`
	TrackingNumber string `json:"tracking_number"`
	CarrierCode    string `json:"carrier_code"`
	ServiceCode    string `json:"service_code"`
	ShipmentCost   *struct {
		Currency string  `json:"currency"`
		Amount   float64 `json:"amount"`
	} `json:"shipment_cost"`
	LabelDownload struct {
		PDF  string `json:"pdf"`
		Href string `json:"href"`
	} `json:"label_download"`
}

func toSE(a Address, residential string) seAddress {
	t := strings.TrimSpace
	return seAddress{
		Name:                        t(a.Name),
		Phone:                       t(a.Phone),
		CompanyName:                 t(a.Company),
		AddressLine1:                t(a.Line1),
		AddressLine2:                t(a.Line2),
		CityLocality:                t(a.City),
		StateProvince:               t(a.State),
		PostalCode:                  t(a.PostalCode),
		CountryCode:                 strings.ToUpper(t(a.Country)),
		AddressResidentialIndicator: residential,
	}
}

func validateLabel(r Request) error {
	var bad problems
	checkAddress(&bad, "customer", r.Customer)
	checkAddress(&bad, "facility", r.Facility)
	if r.WeightGrams <= 0 {
		bad.add("weight_grams must be more than 0, not %d", r.WeightGrams)
	}
	return bad.err()
}

// Arrange buys a prepaid label for the customer's parcel to the facility
// and returns where to download it.
//
// It does not retry: a 5xx may come after ShipEngine bought the label, and
// a blind retry would buy a second one. An error matching ErrTransient is
// for the caller to retry, after checking ShipEngine's label list if
// paying twice matters.
func (s *ShipEngine) Arrange(ctx context.Context, r Request) (Arrangement, error) {
	if err := validateLabel(r); err != nil {
		return Arrangement{}, err
	}
	pkg := sePackage{Weight: seWeight{Value: r.WeightGrams, Unit: "gram"}}
	if ref := strings.TrimSpace(r.Reference); ref != "" {
		// Printed on the label, so receiving can match the box to the
		// trade-in before opening it.
		pkg.LabelMessages = &seLabelMessages{Reference1: ref}
	}
	body := seLabelRequest{
		Shipment: seShipment{
			CarrierID:   s.carrierID,
			ServiceCode: s.serviceCode,
			// The customer sends the device to us.
			ShipTo:   toSE(r.Facility, "no"),
			ShipFrom: toSE(r.Customer, "unknown"),
			Packages: []sePackage{pkg},
		},
		LabelFormat:       "pdf",
		LabelLayout:       "4x6",
		LabelDownloadType: "url",
	}
	var l seLabel
	if err := s.do(ctx, http.MethodPost, "/v1/labels", nil, body, &l); err != nil {
		return Arrangement{}, fmt.Errorf("shipping: label for trade-in %s: %w", r.TradeInID, err)
	}
	labelURL := l.LabelDownload.PDF
	if labelURL == "" {
		labelURL = l.LabelDownload.Href
	}
	switch {
	case l.Status == "error" || l.Status == "voided":
		return Arrangement{}, fmt.Errorf("shipping: label for trade-in %s: ShipEngine label %s has status %q", r.TradeInID, l.LabelID, l.Status)
	case l.LabelID == "" || labelURL == "":
		return Arrangement{}, fmt.Errorf("shipping: label for trade-in %s: ShipEngine answered without a label id or download URL", r.TradeInID)
	}
	a := Arrangement{
		Method:         MethodLabel,
		Carrier:        l.CarrierCode,
		Service:        l.ServiceCode,
		TrackingNumber: l.TrackingNumber,
		LabelURL:       labelURL,
		LabelID:        l.LabelID,
	}
	if c := l.ShipmentCost; c != nil {
		a.Cost = Money{Currency: c.Currency, Cents: int64(math.Round(c.Amount * 100))}
	}
	a.Instructions = labelInstructions(a, r.Reference)
	return a, nil
}

func labelInstructions(a Arrangement, reference string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Print your prepaid shipping label: %s\n", a.LabelURL)
	b.WriteString("Pack the device securely, attach the label to the outside of the box")
	if reference != "" {
		fmt.Fprintf(&b, " and put a note with your trade-in reference %s inside", reference)
	}
	fmt.Fprintf(&b, ", then hand it to %s.", carrierName(a.Service))
	if a.TrackingNumber != "" {
		fmt.Fprintf(&b, "\nTracking number: %s", a.TrackingNumber)
	}
	return b.String()
}

// carrierName names the carrier as customers know it, from the service
// code: carrier codes such as "stamps_com" mean nothing to them.
func carrierName(service string) string {
	for _, c := range []struct{ prefix, name string }{
		{"usps_", "USPS"}, {"ups_", "UPS"}, {"fedex_", "FedEx"}, {"dhl_", "DHL"},
		{"canada_post_", "Canada Post"}, {"royal_mail_", "Royal Mail"},
	} {
		if strings.HasPrefix(service, c.prefix) {
			return c.name
		}
	}
	return "the carrier"
}

// do sends a request to ShipEngine and decodes a 2xx answer into out.
func (s *ShipEngine) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := s.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("shipengine: encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("shipengine: %w", err)
	}
	req.Header.Set("API-Key", s.apiKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("shipengine: %s %s: %w: %w", method, path, ErrTransient, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("shipengine: %s %s: reading answer: %w: %w", method, path, ErrTransient, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return s.apiError(resp, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("shipengine: %s %s: decoding answer: %w", method, path, err)
	}
	return nil
}

func (s *ShipEngine) apiError(resp *http.Response, raw []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode}
	var body struct {
		RequestID string           `json:"request_id"`
		Errors    []APIErrorDetail `json:"errors"`
	}
	// Not every error is ShipEngine's JSON (a proxy's 502 page is not);
	// the status alone still says what kind of failure it is.
	if json.Unmarshal(raw, &body) == nil {
		e.RequestID, e.Errors = body.RequestID, body.Errors
	}
	for i := range e.Errors {
		// ShipEngine has no reason to echo the key, but an error message
		// ends up in logs, so make sure.
		e.Errors[i].Message = strings.ReplaceAll(e.Errors[i].Message, s.apiKey, "[redacted]")
	}
	if d, ok := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now(), maxRetryAfter); ok {
		e.RetryAfter = d
	}
	return e
}

// APIError is an error answer from ShipEngine. Its Is reports which of
// ErrInvalidRequest (a 4xx: fix the request), ErrUnauthorized (401, 403:
// fix the API key) or ErrTransient (429, 5xx: try again later) it is.
type APIError struct {
	StatusCode int
	RequestID  string // for ShipEngine's support
	Errors     []APIErrorDetail
	RetryAfter time.Duration // what a Retry-After header asked, if any
}

// APIErrorDetail is one entry of ShipEngine's errors array.
type APIErrorDetail struct {
	Source    string `json:"error_source"` // "shipengine", "carrier", "order_source"
	Type      string `json:"error_type"`   // e.g. "validation", "security", "system"
	Code      string `json:"error_code"`   // e.g. "field_value_required"
	Message   string `json:"message"`
	FieldName string `json:"field_name,omitempty"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shipengine: HTTP %d: ", e.StatusCode)
	if len(e.Errors) == 0 {
		b.WriteString(http.StatusText(e.StatusCode))
	} else {
		b.WriteString(e.Errors[0].Message)
		fmt.Fprintf(&b, " (%s", e.Errors[0].Code)
		if n := len(e.Errors) - 1; n > 0 {
			fmt.Fprintf(&b, ", and %d more", n)
		}
		b.WriteString(")")
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request_id %s]", e.RequestID)
	}
	return b.String()
}

// Is matches the sentinel errors of this package by status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrTransient:
		return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrInvalidRequest:
		return e.StatusCode >= 400 && e.StatusCode < 500 &&
			!e.Is(ErrTransient) && !e.Is(ErrUnauthorized)
	}
	return false
}
