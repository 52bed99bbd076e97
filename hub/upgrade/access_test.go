package upgrade_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/upgrade"
	"github.com/intakebench/intakebench/intake"
)

// TestAnotherCustomersIsNotFound: a customer cannot see, change or act on
// another's submission, offer or photo, nor learn that it exists.
func TestAnotherCustomersIsNotFound(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	eve := e.customer("eve@example.com", "Eve")
	id, offerID := e.at(ada, intake.StatusOffered)
	r := e.request("POST", "/photos", ada, "image/png", pngImage(t))
	require.Equal(t, http.StatusCreated, r.status)
	photo := r.str(t, "id")

	tests := []struct {
		name, method, path, body, code string
	}{
		{"get", "GET", "/submissions/" + id, "", "submission_not_found"},
		{"update", "PUT", "/submissions/" + id, `{"product_id":"prod_123"}`, "submission_not_found"},
		{"submit", "POST", "/submissions/" + id, "", "submission_not_found"},
		{"ship", "POST", "/submissions/" + id + "/ship", "", "submission_not_found"},
		{"accept", "POST", "/offers/" + offerID, `{"action":"accept"}`, "offer_not_found"},
		{"photo", "GET", "/photos/" + photo, "", "unknown_photo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.json(tt.method, tt.path, eve, tt.body).problem(t, http.StatusNotFound, tt.code)
		})
	}
	t.Run("list", func(t *testing.T) {
		r := e.json("GET", "/submissions", eve, "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, `[]`, r.raw(t, "items"))
	})
	t.Run("using another's photo", func(t *testing.T) {
		e.json("POST", "/submissions", eve, `{"product_id":"prod_123","photos":["`+photo+`"]}`).problem(t, http.StatusUnprocessableEntity, "unknown_photo")
	})
	e.expectStatus(e.json("GET", "/submissions/"+id, ada, ""), intake.StatusOffered)
}

// TestAdminRoutesNeedAnAdminKey: without a credential 401, with a
// customer's session or a key of another scope 403.
func TestAdminRoutesNeedAnAdminKey(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id, _ := e.at(ada, intake.StatusSubmitted)
	otherKey, info, err := e.hub.IssueAPIKey(t.Context(), hub.APIKeySpec{Scopes: []string{hub.ScopeTradeInsAdmin}, Name: "revoked"})
	require.NoError(t, err)
	_, err = e.hub.RevokeAPIKey(t.Context(), strconv.FormatInt(info.ID, 10))
	require.NoError(t, err)
	buyback, err := e.hub.CreateAPIKey(t.Context(), []string{"buyback:read"})
	require.NoError(t, err)

	routes := []struct{ method, path, body string }{
		{"POST", "/offers", `{"submission_id":"` + id + `","amount":350.00}`},
		{"POST", "/submissions/" + id + "/imei-check", ""},
		{"POST", "/submissions/" + id + "/receive", ""},
		{"POST", "/submissions/" + id + "/inspect", `{"condition":"good"}`},
		{"GET", "/admin/valuations", ""},
		{"POST", "/admin/valuations", `{"product_id":"prod_123","base_value":437.50}`},
		{"GET", "/admin/valuations/val_1", ""},
		{"PUT", "/admin/valuations/val_1", `{"product_id":"prod_123","base_value":437.50}`},
		{"DELETE", "/admin/valuations/val_1", ""},
		{"GET", "/admin/customers", ""},
		{"POST", "/admin/tradeins/" + id + "/receipt-email", ""},
		{"GET", "/admin/stats", ""},
		{"GET", "/admin/queue", ""},
	}
	callers := []struct {
		name, token string
		status      int
		code        string
	}{
		{"nobody", "", http.StatusUnauthorized, "unauthorized"},
		{"a customer", ada, http.StatusForbidden, "insufficient_scope"},
		{"a key of another scope", buyback, http.StatusForbidden, "insufficient_scope"},
		{"a revoked key", otherKey, http.StatusUnauthorized, "invalid_credentials"},
		{"a made-up token", "spk_live_madeup", http.StatusUnauthorized, "invalid_credentials"},
	}
	for _, c := range callers {
		for _, rt := range routes {
			t.Run(c.name+"/"+rt.method+" "+rt.path, func(t *testing.T) {
				e.json(rt.method, rt.path, c.token, rt.body).problem(t, c.status, c.code)
			})
		}
	}
	e.expectStatus(e.json("GET", "/submissions/"+id, ada, ""), intake.StatusSubmitted)

	// And the customer's own steps are not an admin's.
	for _, rt := range []struct{ method, path, body string }{
		{"POST", "/submissions", `{"product_id":"prod_123"}`},
		{"PUT", "/submissions/" + id, `{"product_id":"prod_123"}`},
		{"POST", "/submissions/" + id, ""},
		{"POST", "/offers/off_1", `{"action":"accept"}`},
		{"POST", "/photos", ""},
		{"GET", "/auth/me", ""},
	} {
		t.Run("admin/"+rt.method+" "+rt.path, func(t *testing.T) {
			e.json(rt.method, rt.path, e.adminKey, rt.body).problem(t, http.StatusForbidden, "insufficient_scope")
		})
	}
}

func TestAdminListsEverySubmission(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	bob := e.customer("bob@example.com", "Bob")
	adaDraft, _ := e.at(ada, intake.StatusDraft)
	e.clock.Advance(time.Minute) // the list is by last change, latest first
	bobSubmitted, _ := e.at(bob, intake.StatusSubmitted)

	tests := []struct {
		name, query string
		want        []string
	}{
		{"all", "", []string{bobSubmitted, adaDraft}},
		{"submitted", "?status=submitted", []string{bobSubmitted}},
		{"draft", "?status=draft", []string{adaDraft}},
		{"completed", "?status=completed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.json("GET", "/submissions"+tt.query, e.adminKey, "")
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			assert.Equal(t, tt.want, ids(t, r))
		})
	}
	e.json("GET", "/submissions?status=lost", e.adminKey, "").problem(t, http.StatusBadRequest, "invalid_request")
}

// ids are the ids of a listing's items.
func ids(t *testing.T, r response) []string {
	t.Helper()
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	r.decode(t, &list)
	var out []string
	for _, it := range list.Items {
		out = append(out, it.ID)
	}
	return out
}

func TestPhotoUploadsTakeRealImagesOnly(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	multipartOf := func(field string, data []byte) (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile(field, "x.png")
		require.NoError(t, err)
		_, err = fw.Write(data)
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		return mw.FormDataContentType(), buf.Bytes()
	}
	formType, formBody := multipartOf("photo", []byte("#!/bin/sh\necho hi\n"))
	wrongType, wrongField := multipartOf("picture", pngImage(t))
	tests := []struct {
		name, contentType string
		body              []byte
		status            int
		code              string
	}{
		{"a text body", "text/plain", []byte("hello"), http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"no content type", "", pngImage(t), http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"JSON", "application/json", []byte(`{"photo":"x"}`), http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"text called an image", "image/png", []byte("hello, not a picture"), http.StatusUnprocessableEntity, "not_an_image"},
		{"a PNG header only", "image/png", []byte("\x89PNG\r\n\x1a\n"), http.StatusUnprocessableEntity, "not_an_image"},
		{"a script in a form", formType, formBody, http.StatusUnprocessableEntity, "not_an_image"},
		{"a form without the photo field", wrongType, wrongField, http.StatusBadRequest, "invalid_request"},
		{"an empty image", "image/jpeg", []byte{}, http.StatusBadRequest, "invalid_request"},
		{"over 10 MiB", "image/jpeg", append([]byte("\xff\xd8\xff"), make([]byte, 10<<20)...), http.StatusRequestEntityTooLarge, "payload_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.request("POST", "/photos", ada, tt.contentType, tt.body).problem(t, tt.status, tt.code)
		})
	}
	e.json("GET", "/photos/photo_nothing", ada, "").problem(t, http.StatusNotFound, "unknown_photo")
}

// TestMalformedRequests: bodies that are not what the API reads are
// refused with what is wrong, naming the field where there is one.
func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id, _ := e.at(ada, intake.StatusSubmitted)
	offer := func(amount string) string {
		return `{"submission_id":"` + id + `","amount":` + amount + `,"expires_at":"2024-02-01T00:00:00Z"}`
	}
	tests := []struct {
		name, path, token, contentType, body string
		status                               int
		code, field                          string
	}{
		{"not JSON", "/submissions", ada, "application/json", `{"product_id":`, http.StatusBadRequest, "invalid_request", ""},
		{"an array", "/submissions", ada, "application/json", `[1,2]`, http.StatusBadRequest, "invalid_request", ""},
		{"two objects", "/submissions", ada, "application/json", `{} {}`, http.StatusBadRequest, "invalid_request", ""},
		{"an unknown field", "/submissions", ada, "application/json", `{"product_id":"prod_123","colour":"red"}`, http.StatusBadRequest, "invalid_request", "colour"},
		{"a wrong type", "/submissions", ada, "application/json", `{"product_id":"prod_123","photos":"photo_abc"}`, http.StatusBadRequest, "invalid_request", "photos"},
		{"form data", "/submissions", ada, "application/x-www-form-urlencoded", `product_id=prod_123`, http.StatusUnsupportedMediaType, "unsupported_media_type", ""},
		{"no content type", "/submissions", ada, "", `{"product_id":"prod_123"}`, http.StatusUnsupportedMediaType, "unsupported_media_type", ""},
		{"no body", "/submissions", ada, "application/json", ``, http.StatusBadRequest, "invalid_request", ""},
		{"over 64 KiB", "/submissions", ada, "application/json", `{"description":"` + strings.Repeat("x", 64<<10) + `"}`, http.StatusRequestEntityTooLarge, "payload_too_large", ""},
		{"an unknown product", "/submissions", ada, "application/json", `{"product_id":"prod_999"}`, http.StatusUnprocessableEntity, "unknown_product", ""},
		{"an amount as a string", "/offers", e.adminKey, "application/json", offer(`"350.00"`), http.StatusBadRequest, "invalid_request", "amount"},
		{"three decimals", "/offers", e.adminKey, "application/json", offer(`350.001`), http.StatusBadRequest, "invalid_request", "amount"},
		{"an exponent", "/offers", e.adminKey, "application/json", offer(`3.5e2`), http.StatusBadRequest, "invalid_request", "amount"},
		{"no amount", "/offers", e.adminKey, "application/json", `{"submission_id":"` + id + `"}`, http.StatusBadRequest, "invalid_request", "amount"},
		{"a negative amount", "/offers", e.adminKey, "application/json", offer(`-1.00`), http.StatusUnprocessableEntity, "amount_out_of_range", ""},
		{"a zero amount", "/offers", e.adminKey, "application/json", offer(`0.00`), http.StatusUnprocessableEntity, "amount_out_of_range", ""},
		{"a million and a cent", "/offers", e.adminKey, "application/json", offer(`1000000.01`), http.StatusUnprocessableEntity, "amount_out_of_range", ""},
		{"an amount beyond int64", "/offers", e.adminKey, "application/json", offer(`99999999999999999999`), http.StatusBadRequest, "invalid_request", "amount"},
		{"a date without a zone", "/offers", e.adminKey, "application/json", `{"submission_id":"` + id + `","amount":1.00,"expires_at":"2024-02-01"}`, http.StatusBadRequest, "invalid_request", "expires_at"},
		{"an expiry in the past", "/offers", e.adminKey, "application/json", `{"submission_id":"` + id + `","amount":1.00,"expires_at":"2024-01-01T00:00:00Z"}`, http.StatusUnprocessableEntity, "invalid_request", ""},
		{"an unknown submission", "/offers", e.adminKey, "application/json", `{"submission_id":"sub_nothing","amount":1.00}`, http.StatusNotFound, "submission_not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.request("POST", tt.path, tt.token, tt.contentType, []byte(tt.body)).problem(t, tt.status, tt.code)
			if tt.field != "" {
				assert.Contains(t, string(p["errors"]), `"field":"`+tt.field+`"`)
			}
		})
	}
	e.expectStatus(e.json("GET", "/submissions/"+id, ada, ""), intake.StatusSubmitted)
	e.json("POST", "/offers/off_1", ada, `{"action":"maybe"}`).problem(t, http.StatusBadRequest, "invalid_request")
}

func TestTenants(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		tenant string
		ok     bool
	}{
		{"acme", true},
		{"shop-1", true},
		{strings.Repeat("a", 40), true},
		{"v1", false},
		{"v2", false},
		{"pricing", false},
		{"", false},
		{"Acme", false},
		{"acme_shop", false},
		{"acme/shop", false},
		{"acme.shop", false},
		{strings.Repeat("a", 41), false},
	}
	for _, tt := range tests {
		t.Run(tt.tenant, func(t *testing.T) {
			api, err := upgrade.New(e.hub, tt.tenant)
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.tenant, api.Tenant())
		})
	}
	_, err := upgrade.New(nil, "acme")
	require.Error(t, err)

	// Another tenant's paths are not this API's.
	e.get(e.srv.URL+"/api/other/submissions").problem(t, http.StatusNotFound, "not_found")
}
