package upgrade_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The request examples of seed 003, byte for byte as the seed prints them.
const (
	seedCreateSubmission = `{
"product_id": "prod_123",
"serial_number": "SN-12345678",
"condition": "good",
"description": "Minor scratches on grip",
"photos": ["photo_abc", "photo_def"]
}`
	seedCreateOffer = `{
"submission_id": "sub_123",
"amount": 350.00,
"notes": "Based on good condition assessment",
"expires_at": "2024-02-01T00:00:00Z"
}`
)

func TestSeedCreateSubmissionExample(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")

	// Before the customer has photos of those ids, the example is read
	// whole and refused only for them.
	r := e.json("POST", "/submissions", token, seedCreateSubmission)
	p := r.problem(t, http.StatusUnprocessableEntity, "unknown_photo")
	assert.Contains(t, string(p["detail"]), "photo_abc")

	me := e.json("GET", "/auth/me", token, "")
	require.Equal(t, http.StatusOK, me.status)
	e.seedPhotos(me.str(t, "id"), "photo_abc", "photo_def")

	r = e.json("POST", "/submissions", token, seedCreateSubmission)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	id := r.str(t, "id")
	assert.True(t, strings.HasPrefix(id, "sub_"), id)
	assert.Equal(t, "/api/acme/submissions/"+id, r.header.Get("Location"))
	f := r.fields(t)
	assert.Equal(t, `"draft"`, string(f["status"]))
	assert.Equal(t, `"prod_123"`, string(f["product_id"]))
	assert.Equal(t, `"SN-12345678"`, string(f["serial_number"]))
	assert.Equal(t, `"good"`, string(f["condition"]))
	assert.Equal(t, `"Minor scratches on grip"`, string(f["description"]))
	assert.Equal(t, `["photo_abc","photo_def"]`, string(f["photos"]))
	assert.Equal(t, `"TI-2024-000001"`, string(f["reference"]))
	assert.Equal(t, `null`, string(f["offer"]))
	assert.Equal(t, `null`, string(f["imei_check"]))
	assert.Equal(t, `"2024-01-15T00:00:00Z"`, string(f["created_at"]))
	assert.Equal(t, `"2024-01-15T00:00:00Z"`, string(f["updated_at"]))
	assert.Equal(t, `{"make":"Apple","model":"iPhone 13","storage":"128GB","carrier":"Unlocked"}`, string(f["device"]))
}

func TestSeedCreateOfferExample(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")
	me := e.json("GET", "/auth/me", token, "")
	e.seedPhotos(me.str(t, "id"), "photo_abc", "photo_def")
	r := e.json("POST", "/submissions", token, seedCreateSubmission)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	id := r.str(t, "id")
	e.expectStatus(e.json("POST", "/submissions/"+id, token, ""), "submitted")
	// The seed's serial number is not an IMEI: the admin gives the
	// device's for seed 001's check.
	r = e.json("POST", "/submissions/"+id+"/imei-check", e.adminKey, `{"imei":"356938035643809"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, `"clean"`, r.raw(t, "status"))

	body := strings.Replace(seedCreateOffer, `"sub_123"`, `"`+id+`"`, 1)
	require.NotEqual(t, seedCreateOffer, body)
	r = e.json("POST", "/offers", e.adminKey, body)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	f := r.fields(t)
	assert.Equal(t, `350.00`, string(f["amount"]), "money is written from cents, two decimals")
	assert.Equal(t, `"`+id+`"`, string(f["submission_id"]))
	assert.Equal(t, `"Based on good condition assessment"`, string(f["notes"]))
	assert.Equal(t, `"2024-02-01T00:00:00Z"`, string(f["expires_at"]))
	assert.Equal(t, `"open"`, string(f["status"]))
	assert.True(t, strings.HasPrefix(r.str(t, "id"), "off_"))

	sub := e.json("GET", "/submissions/"+id, token, "")
	require.Equal(t, http.StatusOK, sub.status)
	assert.Equal(t, `"offered"`, sub.raw(t, "status"))
	var got struct {
		Offer struct {
			ID     string `json:"id"`
			Amount any    `json:"amount"`
		} `json:"offer"`
		IMEICheck struct {
			IMEI   string `json:"imei"`
			Status string `json:"status"`
		} `json:"imei_check"`
		SerialNumber string `json:"serial_number"`
		IMEI         string `json:"imei"`
	}
	sub.decode(t, &got)
	assert.Equal(t, r.str(t, "id"), got.Offer.ID)
	assert.Equal(t, "356938035643809", got.IMEICheck.IMEI)
	assert.Equal(t, "clean", got.IMEICheck.Status)
	assert.Equal(t, "SN-12345678", got.SerialNumber)
	assert.Equal(t, "356938035643809", got.IMEI)
	assert.Contains(t, string(sub.body), `"amount":350.00`)
}

// TestEverySeedEndpointIsServed asks each of seed 003's endpoints without
// a credential: each is there (never 404), and refuses the stranger.
func TestEverySeedEndpointIsServed(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"POST", "/auth/register", http.StatusBadRequest, "invalid_request"}, // no body
		{"POST", "/auth/login", http.StatusBadRequest, "invalid_request"},
		{"POST", "/auth/logout", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/auth/me", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/submissions", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/submissions", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/submissions/sub_1", http.StatusUnauthorized, "unauthorized"},
		{"PUT", "/submissions/sub_1", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/submissions/sub_1", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/submissions/sub_1/inspect", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/submissions/sub_1/receive", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/submissions/sub_1/ship", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/submissions/sub_1/imei-check", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/offers", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/offers/off_1", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/photos", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/photos/photo_1", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/profile", http.StatusUnauthorized, "unauthorized"},
		{"PUT", "/profile", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/valuations", http.StatusUnauthorized, "unauthorized"},
		{"POST", "/admin/valuations", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/valuations/val_1", http.StatusUnauthorized, "unauthorized"},
		{"PUT", "/admin/valuations/val_1", http.StatusUnauthorized, "unauthorized"},
		{"DELETE", "/admin/valuations/val_1", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/customers", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/stats", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/admin/queue", http.StatusUnauthorized, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.json(tt.method, tt.path, "", "")
			r.problem(t, tt.status, tt.code)
			if tt.status == http.StatusUnauthorized {
				assert.Equal(t, `Bearer realm="upgrade"`, r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path string
		status             int
		code, allow        string
	}{
		{"an unknown path", "GET", "/nothing", http.StatusNotFound, "not_found", ""},
		{"a path of no route", "GET", "/submissions/sub_1/refund", http.StatusNotFound, "not_found", ""},
		{"DELETE a submission", "DELETE", "/submissions/sub_1", http.StatusMethodNotAllowed, "method_not_allowed", "GET, POST, PUT"},
		{"GET offers", "GET", "/offers", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{"PATCH a valuation", "PATCH", "/admin/valuations/val_1", http.StatusMethodNotAllowed, "method_not_allowed", "GET, PUT, DELETE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.json(tt.method, tt.path, e.adminKey, "")
			r.problem(t, tt.status, tt.code)
			assert.Equal(t, tt.allow, r.header.Get("Allow"))
		})
	}
}
