package shipenginetest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/shipping/shipenginetest"
)

const key = "stand-in-key"

func do(t *testing.T, srv *shipenginetest.Server, method, path, apiKey, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if apiKey != "" {
		req.Header.Set("API-Key", apiKey)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

const goodLabel = `{
	"shipment": {
		"service_code": "usps_priority_mail",
		"ship_to": {"name": "Receiving", "address_line1": "1 Dock Rd", "city_locality": "Austin",
			"state_province": "TX", "postal_code": "78756", "country_code": "US"},
		"ship_from": {"name": "Dana", "phone": "555-0142", "address_line1": "4 Elm Ct", "city_locality": "Austin",
			"state_province": "TX", "postal_code": "78701", "country_code": "US"},
		"packages": [{"weight": {"value": 6, "unit": "ounce"}}]
	}
}`

func TestLabelRequestsAreValidatedLikeShipEngine(t *testing.T) {
	for _, c := range []struct {
		name   string
		apiKey string
		body   string
		status int
		want   string
	}{
		{
			name:   "no key",
			body:   goodLabel,
			status: 401,
			want:   `{"request_id":"00000000-0000-4000-8000-000000000001","errors":[{"error_source":"shipengine","error_type":"security","error_code":"unauthorized","message":"The API key is invalid. Please see https://www.shipengine.com/docs/auth"}]}`,
		},
		{
			name:   "wrong key",
			apiKey: "nope",
			body:   goodLabel,
			status: 401,
			want:   `{"request_id":"00000000-0000-4000-8000-000000000001","errors":[{"error_source":"shipengine","error_type":"security","error_code":"unauthorized","message":"The API key is invalid. Please see https://www.shipengine.com/docs/auth"}]}`,
		},
		{
			name:   "empty body",
			apiKey: key,
			status: 400,
			want:   `{"request_id":"00000000-0000-4000-8000-000000000001","errors":[{"error_source":"shipengine","error_type":"validation","error_code":"request_body_required","message":"A request body is required."}]}`,
		},
		{
			name:   "ship_to missing fields",
			apiKey: key,
			body:   strings.Replace(strings.Replace(goodLabel, `"address_line1": "1 Dock Rd", `, "", 1), `"postal_code": "78756", `, "", 1),
			status: 400,
			want: `{"request_id":"00000000-0000-4000-8000-000000000001","errors":[
				{"error_source":"shipengine","error_type":"validation","error_code":"field_value_required","message":"shipment.ship_to.address_line1 is required","field_name":"shipment.ship_to.address_line1"},
				{"error_source":"shipengine","error_type":"validation","error_code":"field_value_required","message":"shipment.ship_to.postal_code is required","field_name":"shipment.ship_to.postal_code"}]}`,
		},
		{
			name:   "bad country, no sender phone, no weight",
			apiKey: key,
			body: strings.NewReplacer(`"country_code": "US"}`, `"country_code": "usa"}`, `"phone": "555-0142", `, "",
				`"value": 6`, `"value": 0`).Replace(goodLabel),
			status: 400,
			want: `{"request_id":"00000000-0000-4000-8000-000000000001","errors":[
				{"error_source":"shipengine","error_type":"validation","error_code":"invalid_field_value","message":"shipment.ship_to.country_code must be a 2-letter upper-case ISO country code, not \"usa\"","field_name":"shipment.ship_to.country_code"},
				{"error_source":"shipengine","error_type":"validation","error_code":"field_value_required","message":"shipment.ship_from.phone is required","field_name":"shipment.ship_from.phone"},
				{"error_source":"shipengine","error_type":"validation","error_code":"invalid_field_value","message":"shipment.ship_from.country_code must be a 2-letter upper-case ISO country code, not \"usa\"","field_name":"shipment.ship_from.country_code"},
				{"error_source":"shipengine","error_type":"validation","error_code":"invalid_field_value","message":"shipment.packages[0].weight.value must be greater than 0","field_name":"shipment.packages[0].weight.value"}]}`,
		},
		{
			name:   "misspelt field",
			apiKey: key,
			body:   strings.Replace(goodLabel, `"service_code"`, `"servce_code"`, 1),
			status: 400,
			want:   `{"request_id":"00000000-0000-4000-8000-000000000001","errors":[{"error_source":"shipengine","error_type":"validation","error_code":"invalid_field_value","message":"The request body could not be parsed: json: unknown field \"servce_code\""}]}`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := shipenginetest.New(t, key)
			status, body := do(t, srv, "POST", "/v1/labels", c.apiKey, c.body)
			assert.Equal(t, c.status, status)
			assert.JSONEq(t, c.want, body)
		})
	}
}

func TestLabelTrackingAndDownload(t *testing.T) {
	srv := shipenginetest.New(t, key)
	status, body := do(t, srv, "POST", "/v1/labels", key, goodLabel)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, `"label_id":"se-1"`)
	assert.Contains(t, body, `"tracking_number":"9400100000000000000001"`)
	assert.Contains(t, body, `"carrier_code":"stamps_com"`)
	assert.Contains(t, body, `"label_download":{"href":"`+srv.URL+`/v1/downloads/10/se-1/label-1.pdf","pdf":"`+srv.URL+`/v1/downloads/10/se-1/label-1.pdf"}`)

	status, body = do(t, srv, "GET", "/v1/downloads/10/se-1/label-1.pdf", "", "")
	assert.Equal(t, 200, status)
	assert.True(t, strings.HasPrefix(body, "%PDF-1.4\n"))
	status, _ = do(t, srv, "GET", "/v1/downloads/10/se-9/label-9.pdf", "", "")
	assert.Equal(t, 404, status)

	status, body = do(t, srv, "GET", "/v1/tracking?carrier_code=stamps_com&tracking_number=9400100000000000000001", key, "")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{
		"tracking_number": "9400100000000000000001",
		"tracking_url": "https://tools.usps.com/go/TrackConfirmAction.action?tLabels=9400100000000000000001",
		"status_code": "NY",
		"status_description": "Not Yet In System",
		"carrier_code": "stamps_com",
		"carrier_status_code": "NY",
		"carrier_status_description": "Not Yet In System",
		"ship_date": "2026-04-18T00:00:00Z",
		"estimated_delivery_date": null,
		"actual_delivery_date": null,
		"exception_description": null,
		"events": []
	}`, body)

	status, body = do(t, srv, "GET", "/v1/tracking?carrier_code=stamps_com", key, "")
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"request_id":"00000000-0000-4000-8000-000000000005","errors":[{"error_source":"shipengine","error_type":"validation","error_code":"field_value_required","message":"tracking_number is required","field_name":"tracking_number"}]}`, body)

	srv.FailNext(2)
	for range 2 {
		status, body = do(t, srv, "GET", "/v1/tracking?carrier_code=stamps_com&tracking_number=1", key, "")
		assert.Equal(t, 500, status)
		assert.Contains(t, body, `"error_type":"system"`)
	}
	status, _ = do(t, srv, "GET", "/v1/tracking?carrier_code=stamps_com&tracking_number=1", key, "")
	assert.Equal(t, 200, status)

	assert.Len(t, srv.Requests(), 8)
}

func TestVoidingALabel(t *testing.T) {
	srv := shipenginetest.New(t, key)
	for range 2 {
		status, body := do(t, srv, "POST", "/v1/labels", key, goodLabel)
		require.Equal(t, 200, status, body)
	}
	srv.SetTrackingStatus("9400100000000000000002", "AC")

	status, body := do(t, srv, "PUT", "/v1/labels/se-1/void", "", "")
	assert.Equal(t, 401, status, body)
	assert.Empty(t, srv.Voided(), "not without the key")

	status, body = do(t, srv, "PUT", "/v1/labels/se-1/void", key, "")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"approved":true,"message":"Request for refund submitted. Label se-1 has been voided.","voided_label_ids":["se-1"]}`, body)

	status, body = do(t, srv, "PUT", "/v1/labels/se-1/void", key, "")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"approved":false,"message":"Label se-1 has already been voided.","reason_code":"label_already_voided"}`, body)

	status, body = do(t, srv, "PUT", "/v1/labels/se-2/void", key, "")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"approved":false,"message":"Label se-2 has already been used: the carrier has scanned the parcel.","reason_code":"label_already_used"}`, body)

	status, body = do(t, srv, "PUT", "/v1/labels/se-7/void", key, "")
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"request_id":"00000000-0000-4000-8000-000000000007","errors":[{"error_source":"shipengine","error_type":"validation","error_code":"not_found","message":"Label se-7 was not found."}]}`, body)

	srv.FailNext(1)
	status, _ = do(t, srv, "PUT", "/v1/labels/se-1/void", key, "")
	assert.Equal(t, 500, status)

	assert.Equal(t, []string{"se-1"}, srv.Voided(), "voided once")
}
