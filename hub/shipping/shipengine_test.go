package shipping_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/hub/shipping/shipenginetest"
)

const testKey = "TEST_k3y_6f1d0c9e2b7a"

// The hub's Shipping interface is this one method; both kinds have it.
type arranger interface {
	Arrange(context.Context, shipping.Request) (shipping.Arrangement, error)
}

var (
	_ arranger = (*shipping.ShipEngine)(nil)
	_ arranger = (*shipping.Pickup)(nil)
)

func validRequest() shipping.Request {
	return shipping.Request{
		TradeInID: "ti_42",
		Reference: "TI-2026-0042",
		Customer: shipping.Address{
			Name:       "Dana Whitfield",
			Phone:      "+1 512-555-0142",
			Email:      "dana@example.com",
			Line1:      "4 Elm Court",
			Line2:      "Apt 2",
			City:       "Austin",
			State:      "TX",
			PostalCode: "78701",
			Country:    "us", // sent upper-case
		},
		Facility: shipping.Address{
			Name:       "IntakeBench Receiving",
			Company:    "IntakeBench Inc.",
			Phone:      "+1 512-555-0100",
			Line1:      "3800 N Lamar Blvd",
			Line2:      "Suite 220",
			City:       "Austin",
			State:      "TX",
			PostalCode: "78756",
			Country:    "US",
		},
		WeightGrams: 450,
	}
}

func newClient(t *testing.T, srv *shipenginetest.Server, opts ...shipping.Option) *shipping.ShipEngine {
	t.Helper()
	all := append([]shipping.Option{
		shipping.WithBaseURL(srv.URL),
		shipping.WithHTTPClient(srv.Client()),
		shipping.WithCarrierID("se-1000001"),
		shipping.WithTrackRetries(2, 0),
	}, opts...)
	c, err := shipping.NewShipEngine(testKey, all...)
	require.NoError(t, err)
	return c
}

func TestArrangeBuysALabel(t *testing.T) {
	ctx := t.Context()
	srv := shipenginetest.New(t, testKey)
	c := newClient(t, srv)

	got, err := c.Arrange(ctx, validRequest())
	require.NoError(t, err)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/v1/labels", reqs[0].Path)
	assert.Equal(t, testKey, reqs[0].Header.Get("API-Key"))
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	assert.JSONEq(t, `{
		"shipment": {
			"carrier_id": "se-1000001",
			"service_code": "usps_priority_mail",
			"ship_to": {
				"name": "IntakeBench Receiving",
				"phone": "+1 512-555-0100",
				"company_name": "IntakeBench Inc.",
				"address_line1": "3800 N Lamar Blvd",
				"address_line2": "Suite 220",
				"city_locality": "Austin",
				"state_province": "TX",
				"postal_code": "78756",
				"country_code": "US",
				"address_residential_indicator": "no"
			},
			"ship_from": {
				"name": "Dana Whitfield",
				"phone": "+1 512-555-0142",
				"address_line1": "4 Elm Court",
				"address_line2": "Apt 2",
				"city_locality": "Austin",
				"state_province": "TX",
				"postal_code": "78701",
				"country_code": "US",
				"address_residential_indicator": "unknown"
			},
			"packages": [{
				"weight": {"value": 450, "unit": "gram"},
				"label_messages": {"reference1": "TI-2026-0042"}
			}]
		},
		"label_format": "pdf",
		"label_layout": "4x6",
		"label_download_type": "url"
	}`, reqs[0].Body)

	labelURL := srv.URL + "/v1/downloads/10/se-1/label-1.pdf"
	assert.Equal(t, shipping.Arrangement{
		Method:         "label",
		Carrier:        "stamps_com",
		Service:        "usps_priority_mail",
		TrackingNumber: "9400100000000000000001",
		LabelURL:       labelURL,
		LabelID:        "se-1",
		Cost:           shipping.Money{Currency: "usd", Cents: 895},
		Instructions: "Print your prepaid shipping label: " + labelURL + "\n" +
			"Pack the device securely, attach the label to the outside of the box and put a note with your trade-in reference TI-2026-0042 inside, then hand it to USPS.\n" +
			"Tracking number: 9400100000000000000001",
	}, got)

	// The customer downloads the label without our key.
	resp, err := srv.Client().Get(got.LabelURL)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	pdf, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	assert.Equal(t, "%PDF-1.4\n", string(pdf[:9]))
	assert.Equal(t, "%%EOF\n", string(pdf[len(pdf)-6:]))

	second, err := c.Arrange(ctx, validRequest())
	require.NoError(t, err)
	assert.Equal(t, "se-2", second.LabelID)
	assert.Equal(t, "9400100000000000000002", second.TrackingNumber)
}

func TestArrangeRefusesIncompleteRequestsLocally(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*shipping.Request)
		want   []string
	}{
		{
			name:   "customer without phone and street",
			change: func(r *shipping.Request) { r.Customer.Phone, r.Customer.Line1 = "", " " },
			want:   []string{"customer.phone is required", "customer.address_line1 is required"},
		},
		{
			name:   "US customer without state",
			change: func(r *shipping.Request) { r.Customer.State = "" },
			want:   []string{"customer.state is required in US"},
		},
		{
			name:   "three-letter country",
			change: func(r *shipping.Request) { r.Facility.Country = "USA" },
			want:   []string{`facility.country must be a 2-letter ISO country code, not "USA"`},
		},
		{
			name:   "no weight",
			change: func(r *shipping.Request) { r.WeightGrams = 0 },
			want:   []string{"weight_grams must be more than 0, not 0"},
		},
		{
			name:   "nothing at all",
			change: func(r *shipping.Request) { *r = shipping.Request{} },
			want: []string{
				"customer.name is required",
				"customer.phone is required",
				"customer.address_line1 is required",
				"customer.city is required",
				"customer.postal_code is required",
				"customer.country is required",
				"facility.name is required",
				"facility.phone is required",
				"facility.address_line1 is required",
				"facility.city is required",
				"facility.postal_code is required",
				"facility.country is required",
				"weight_grams must be more than 0, not 0",
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := shipenginetest.New(t, testKey)
			r := validRequest()
			c.change(&r)
			_, err := newClient(t, srv).Arrange(t.Context(), r)
			require.ErrorIs(t, err, shipping.ErrInvalidRequest)
			assert.NotErrorIs(t, err, shipping.ErrTransient)
			var re *shipping.RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, c.want, re.Problems)
			assert.Empty(t, srv.Requests(), "nothing is sent")
		})
	}
}

func TestArrangeRefusedByShipEngine(t *testing.T) {
	srv := shipenginetest.New(t, testKey)
	c := newClient(t, srv, shipping.WithCarrierID("se-999"))

	_, err := c.Arrange(t.Context(), validRequest())
	require.ErrorIs(t, err, shipping.ErrInvalidRequest)
	assert.NotErrorIs(t, err, shipping.ErrTransient)
	assert.NotErrorIs(t, err, shipping.ErrUnauthorized)
	var ae *shipping.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, &shipping.APIError{
		StatusCode: 400,
		RequestID:  "00000000-0000-4000-8000-000000000001",
		Errors: []shipping.APIErrorDetail{{
			Source:    "shipengine",
			Type:      "business_rules",
			Code:      "invalid_identifier",
			Message:   "carrier_id se-999 not found",
			FieldName: "carrier_id",
		}},
	}, ae)
	assert.Equal(t, "shipping: label for trade-in ti_42: shipengine: HTTP 400: carrier_id se-999 not found (invalid_identifier) [request_id 00000000-0000-4000-8000-000000000001]", err.Error())
}

func TestArrangeTransientFailures(t *testing.T) {
	t.Run("500 is transient and not retried", func(t *testing.T) {
		srv := shipenginetest.New(t, testKey)
		c := newClient(t, srv)
		srv.FailNext(1)

		_, err := c.Arrange(t.Context(), validRequest())
		require.ErrorIs(t, err, shipping.ErrTransient)
		assert.NotErrorIs(t, err, shipping.ErrInvalidRequest)
		assert.Equal(t, "shipping: label for trade-in ti_42: shipengine: HTTP 500: An unexpected error occurred. Please try again. (unspecified) [request_id 00000000-0000-4000-8000-000000000001]", err.Error())
		assert.Len(t, srv.Requests(), 1, "a label request is never repeated behind the caller's back")

		got, err := c.Arrange(t.Context(), validRequest())
		require.NoError(t, err, "the caller's retry succeeds")
		assert.Equal(t, "se-1", got.LabelID)
	})

	t.Run("no server", func(t *testing.T) {
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close()
		c, err := shipping.NewShipEngine(testKey, shipping.WithBaseURL(gone.URL))
		require.NoError(t, err)

		_, err = c.Arrange(t.Context(), validRequest())
		require.ErrorIs(t, err, shipping.ErrTransient)
		assert.NotContains(t, err.Error(), testKey)
	})
}

func TestWrongAPIKey(t *testing.T) {
	srv := shipenginetest.New(t, "the-right-key")
	c := newClient(t, srv) // with testKey

	_, err := c.Arrange(t.Context(), validRequest())
	require.ErrorIs(t, err, shipping.ErrUnauthorized)
	assert.NotErrorIs(t, err, shipping.ErrTransient)
	assert.NotErrorIs(t, err, shipping.ErrInvalidRequest)
	assert.Equal(t, "shipping: label for trade-in ti_42: shipengine: HTTP 401: The API key is invalid. Please see https://www.shipengine.com/docs/auth (unauthorized) [request_id 00000000-0000-4000-8000-000000000001]", err.Error())

	_, err = c.Track(t.Context(), "stamps_com", "9400100000000000000001")
	require.ErrorIs(t, err, shipping.ErrUnauthorized)
	assert.NotContains(t, err.Error(), testKey)
	assert.Len(t, srv.Requests(), 2, "a refused key is not retried")
}

func TestClientNeverShowsItsKey(t *testing.T) {
	srv := shipenginetest.New(t, testKey)
	c := newClient(t, srv)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(format, c), testKey, format)
	}

	_, err := shipping.NewShipEngine(" ")
	require.EqualError(t, err, "shipping: ShipEngine API key is empty")
}

func TestRedirectsDoNotCarryTheKey(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("API-Key") != "" {
			elsewhere.Add(1)
		}
	}))
	t.Cleanup(other.Close)
	redirector := httptest.NewServer(http.RedirectHandler(other.URL+"/v1/labels", http.StatusTemporaryRedirect))
	t.Cleanup(redirector.Close)
	c, err := shipping.NewShipEngine(testKey, shipping.WithBaseURL(redirector.URL), shipping.WithHTTPClient(redirector.Client()))
	require.NoError(t, err)

	_, err = c.Arrange(t.Context(), validRequest())
	require.Error(t, err)
	assert.Equal(t, "shipping: label for trade-in ti_42: shipengine: HTTP 307: Temporary Redirect", err.Error())
	assert.Equal(t, int32(0), elsewhere.Load())
}

func TestTrack(t *testing.T) {
	ctx := t.Context()
	srv := shipenginetest.New(t, testKey)
	c := newClient(t, srv)
	label, err := c.Arrange(ctx, validRequest())
	require.NoError(t, err)

	got, err := c.Track(ctx, label.Carrier, label.TrackingNumber)
	require.NoError(t, err)
	assert.Equal(t, "NY", got.StatusCode)
	last := srv.Requests()[1]
	assert.Equal(t, "GET", last.Method)
	assert.Equal(t, "/v1/tracking", last.Path)
	assert.Equal(t, "carrier_code=stamps_com&tracking_number=9400100000000000000001", last.Query.Encode())
	assert.Equal(t, testKey, last.Header.Get("API-Key"))

	srv.SetTrackingStatus("9400100000000000000001", "IT")
	got, err = c.Track(ctx, "stamps_com", "9400100000000000000001")
	require.NoError(t, err)
	assert.Equal(t, shipping.StatusInTransit, got.StatusCode)

	srv.SetTrackingStatus("9400100000000000000001", "DE")
	got, err = c.Track(ctx, "stamps_com", "9400100000000000000001")
	require.NoError(t, err)
	assert.Equal(t, shipping.Tracking{
		TrackingNumber:           "9400100000000000000001",
		StatusCode:               "DE",
		StatusDescription:        "Delivered",
		CarrierStatusCode:        "DE",
		CarrierStatusDescription: "Delivered",
		TrackingURL:              "https://tools.usps.com/go/TrackConfirmAction.action?tLabels=9400100000000000000001",
		ActualDelivery:           time.Date(2026, 4, 20, 15, 30, 0, 0, time.UTC),
	}, got)

	_, err = c.Track(ctx, " ", "")
	var re *shipping.RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, []string{"carrier_code is required", "tracking_number is required"}, re.Problems)
}

func TestTrackRetriesTransientFailures(t *testing.T) {
	for _, c := range []struct {
		name     string
		failures int
		wantErr  bool
	}{
		{"recovers within its retries", 2, false},
		{"gives up after them", 3, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := shipenginetest.New(t, testKey)
			srv.SetTrackingStatus("9400100000000000000007", "IT")
			srv.FailNext(c.failures)

			got, err := newClient(t, srv).Track(t.Context(), "stamps_com", "9400100000000000000007")
			if c.wantErr {
				require.ErrorIs(t, err, shipping.ErrTransient)
			} else {
				require.NoError(t, err)
				assert.Equal(t, "IT", got.StatusCode)
			}
			assert.Len(t, srv.Requests(), 3)
		})
	}

	t.Run("a cancelled context ends the wait at once", func(t *testing.T) {
		srv := shipenginetest.New(t, testKey)
		c := newClient(t, srv, shipping.WithTrackRetries(5, time.Hour))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.Track(ctx, "stamps_com", "9400100000000000000007")
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, srv.Requests())
	})
}

func TestRetryAfterIsRead(t *testing.T) {
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"request_id":"r-1","errors":[{"error_source":"shipengine","error_type":"system","error_code":"rate_limit_exceeded","message":"You have exceeded the rate limit."}]}`)
	}))
	t.Cleanup(busy.Close)
	c, err := shipping.NewShipEngine(testKey, shipping.WithBaseURL(busy.URL), shipping.WithTrackRetries(0, 0))
	require.NoError(t, err)

	_, err = c.Track(t.Context(), "stamps_com", "9400100000000000000001")
	require.ErrorIs(t, err, shipping.ErrTransient)
	ae, ok := errors.AsType[*shipping.APIError](err)
	require.True(t, ok)
	assert.Equal(t, 7*time.Second, ae.RetryAfter)
}

func TestAPIErrorKinds(t *testing.T) {
	for _, c := range []struct {
		status                           int
		invalid, unauthorized, transient bool
	}{
		{400, true, false, false},
		{404, true, false, false},
		{409, true, false, false},
		{401, false, true, false},
		{403, false, true, false},
		{429, false, false, true},
		{500, false, false, true},
		{503, false, false, true},
		{307, false, false, false},
	} {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", &shipping.APIError{StatusCode: c.status})
			assert.Equal(t, c.invalid, errors.Is(err, shipping.ErrInvalidRequest), "invalid")
			assert.Equal(t, c.unauthorized, errors.Is(err, shipping.ErrUnauthorized), "unauthorized")
			assert.Equal(t, c.transient, errors.Is(err, shipping.ErrTransient), "transient")
		})
	}
}
