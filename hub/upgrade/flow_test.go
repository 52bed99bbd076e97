package upgrade_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// TestWholeFlow walks one trade-in through seed 003's flow over HTTP:
// register, login, photos, create, update, submit, the IMEI check, the
// offer, accept, ship, receive, and an inspection as disclosed that
// completes it.
func TestWholeFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	r := e.json("POST", "/auth/register", "", `{"email":"Ada@Example.com","password":"correct horse battery","name":"Ada Lovelace","phone":"+1 555 0100"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	assert.Equal(t, "ada@example.com", r.str(t, "email"))
	assert.Equal(t, "Ada Lovelace", r.str(t, "name"))
	assert.Equal(t, "store-credit", r.str(t, "payout_method"))
	customerID := r.str(t, "id")

	r = e.json("POST", "/auth/login", "", `{"email":"ada@example.com","password":"correct horse battery"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	token := r.str(t, "token")
	assert.Equal(t, "Bearer", r.str(t, "token_type"))
	assert.Equal(t, "2024-02-14T00:00:00Z", r.str(t, "expires_at"))

	r = e.json("GET", "/auth/me", token, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, customerID, r.str(t, "id"))

	// Photos: one as the body, one as a form's field.
	img := pngImage(t)
	r = e.request("POST", "/photos", token, "image/png", img)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	assert.Equal(t, "image/png", r.str(t, "content_type"))
	photo1 := r.str(t, "id")
	assert.Equal(t, "/api/acme/photos/"+photo1, r.str(t, "url"))

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	require.NoError(t, mw.WriteField("angle", "back"))
	fw, err := mw.CreateFormFile("photo", "back.png")
	require.NoError(t, err)
	_, err = fw.Write(img)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	r = e.request("POST", "/photos", token, mw.FormDataContentType(), form.Bytes())
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	photo2 := r.str(t, "id")

	r = e.json("GET", "/photos/"+photo1, token, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "image/png", r.header.Get("Content-Type"))
	assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
	assert.Equal(t, img, r.body)
	r = e.json("GET", "/photos/"+photo2, e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "an admin sees a customer's photos")
	assert.Equal(t, img, r.body)

	// Create, update, submit.
	r = e.json("POST", "/submissions", token, `{"product_id":"prod_123","serial_number":"SN-12345678","condition":"good","description":"Minor scratches","photos":["`+photo1+`"]}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	id := r.str(t, "id")
	r = e.json("PUT", "/submissions/"+id, token, `{"product_id":"prod_123","serial_number":"SN-12345678","condition":"good","description":"Minor scratches on grip","photos":["`+photo1+`","`+photo2+`"]}`)
	e.expectStatus(r, intake.StatusDraft)
	assert.Equal(t, "Minor scratches on grip", r.str(t, "description"))
	assert.Equal(t, `["`+photo1+`","`+photo2+`"]`, r.raw(t, "photos"))
	e.expectStatus(e.json("POST", "/submissions/"+id, token, "{}"), intake.StatusSubmitted)

	// The admin's queue shows it waiting for an offer.
	r = e.json("GET", "/admin/queue?status=submitted", e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var q struct {
		Counts map[string]int `json:"counts"`
		Items  []struct {
			ID       string `json:"id"`
			Customer struct {
				Email string `json:"email"`
			} `json:"customer"`
		} `json:"items"`
	}
	r.decode(t, &q)
	assert.Equal(t, 1, q.Counts["submitted"])
	require.Len(t, q.Items, 1)
	assert.Equal(t, id, q.Items[0].ID)
	assert.Equal(t, "ada@example.com", q.Items[0].Customer.Email)

	// Seed 001: the IMEI check before the offer. The serial number is
	// not an IMEI, so the admin reads the device's.
	r = e.json("POST", "/submissions/"+id+"/imei-check", e.adminKey, "")
	r.problem(t, http.StatusUnprocessableEntity, "invalid_request")
	r = e.json("POST", "/submissions/"+id+"/imei-check", e.adminKey, `{"imei":"356938035643809"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "clean", r.str(t, "status"))
	assert.Equal(t, "Unlocked", r.str(t, "carrier"))

	r = e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":350.00,"notes":"Based on good condition assessment","expires_at":"2024-02-01T00:00:00Z"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	offerID := r.str(t, "id")

	r = e.json("POST", "/offers/"+offerID, token, `{"action":"accept"}`)
	e.expectStatus(r, intake.StatusAccepted)
	assert.Equal(t, `{"state":"owed","amount":350.00,"method":"store-credit"}`, r.raw(t, "payout"))
	stock, err := e.hub.Stock(ctx, productSKU)
	require.NoError(t, err)
	assert.Equal(t, int64(1), stock, "seed 001: stock goes up by one on accept")

	r = e.json("POST", "/submissions/"+id+"/ship", token, `{"tracking_number":"1Z999AA10123456784"}`)
	e.expectStatus(r, intake.StatusShipped)
	assert.Equal(t, "1Z999AA10123456784", r.str(t, "tracking_number"))

	e.expectStatus(e.json("POST", "/submissions/"+id+"/receive", e.adminKey, ""), intake.StatusReceived)

	r = e.json("POST", "/submissions/"+id+"/inspect", e.adminKey, `{"condition":"good","notes":"as described"}`)
	e.expectStatus(r, intake.StatusCompleted)
	assert.Equal(t, `{"disclosed":"good","graded":"good","as_disclosed":true,"offer":350.00,"graded_price":350.00}`, r.raw(t, "inspection"))
	assert.Equal(t, `{"state":"due","amount":350.00,"method":"store-credit"}`, r.raw(t, "payout"))

	// The customer's own view, with the whole history.
	r = e.json("GET", "/submissions/"+id, token, "")
	e.expectStatus(r, intake.StatusCompleted)
	var got struct {
		Offer struct {
			Status string `json:"status"`
		} `json:"offer"`
		History []struct {
			To string `json:"to"`
			By string `json:"by"`
		} `json:"history"`
	}
	r.decode(t, &got)
	assert.Equal(t, "accepted", got.Offer.Status)
	var moves []string
	for _, h := range got.History {
		moves = append(moves, h.To+" by "+h.By)
	}
	assert.Equal(t, []string{"draft by customer", "submitted by customer", "offered by admin", "accepted by customer", "shipped by customer",
		"received by admin", "inspected by admin", "completed by admin"}, moves)
	// The hub's own record names the admin's key as intakehub apikey list
	// does, never by its secret.
	view, err := e.hub.Submission(t.Context(), "", id)
	require.NoError(t, err)
	var actors []string
	for _, h := range view.History {
		actors = append(actors, h.Actor)
	}
	assert.Contains(t, actors, "admin:key 1 (programme admin)")
	assert.NotContains(t, strings.Join(actors, " "), e.adminKey[10:20])

	r = e.json("GET", "/submissions", token, "")
	require.Equal(t, http.StatusOK, r.status)
	var list struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	r.decode(t, &list)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "completed", list.Items[0].Status)

	// Logout ends the session.
	r = e.json("POST", "/auth/logout", token, "")
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	e.json("GET", "/auth/me", token, "").problem(t, http.StatusUnauthorized, "invalid_credentials")
}

func TestProfile(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")
	r := e.json("GET", "/profile", token, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "Ada Lovelace", r.str(t, "name"))
	assert.Equal(t, "+1 555 0100", r.str(t, "phone"))

	r = e.json("PUT", "/profile", token, `{"name":"Ada King","phone":"+1 555 0199","address":{"line1":"1 Main St","city":"Springfield","state":"IL","postal_code":"62701","country":"US"},"payout_method":"check"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "Ada King", r.str(t, "name"))
	assert.Equal(t, "check", r.str(t, "payout_method"))
	assert.Equal(t, `{"line1":"1 Main St","city":"Springfield","state":"IL","postal_code":"62701","country":"US"}`, r.raw(t, "address"))
	assert.Equal(t, "ada@example.com", r.str(t, "email"))

	r = e.json("GET", "/auth/me", token, "")
	assert.Equal(t, "Ada King", r.str(t, "name"))

	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"no name", `{"name":""}`, http.StatusBadRequest, "invalid_request"},
		{"card without an account", `{"name":"Ada","payout_method":"card"}`, http.StatusBadRequest, "invalid_request"},
		{"cash is for counters", `{"name":"Ada","payout_method":"cash"}`, http.StatusBadRequest, "invalid_request"},
		{"the e-mail is the account's", `{"name":"Ada","email":"eve@example.com"}`, http.StatusBadRequest, "invalid_request"},
		{"an unknown address field", `{"name":"Ada","address":{"street":"x"}}`, http.StatusBadRequest, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.json("PUT", "/profile", token, tt.body).problem(t, tt.status, tt.code)
		})
	}
	e.json("GET", "/profile", e.adminKey, "").problem(t, http.StatusForbidden, "insufficient_scope")
}

func TestRegisterAndLoginRefusals(t *testing.T) {
	e := newEnv(t)
	e.customer("ada@example.com", "Ada Lovelace")
	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"the same address again", "/auth/register", `{"email":"ADA@example.com","password":"another good one","name":"Ada"}`, http.StatusConflict, "email_taken"},
		{"not an address", "/auth/register", `{"email":"ada","password":"correct horse battery","name":"Ada"}`, http.StatusBadRequest, "invalid_request"},
		{"no password", "/auth/register", `{"email":"bob@example.com","name":"Bob"}`, http.StatusBadRequest, "invalid_request"},
		{"a wrong password", "/auth/login", `{"email":"ada@example.com","password":"wrong horse battery"}`, http.StatusUnauthorized, "invalid_credentials"},
		{"an unknown address", "/auth/login", `{"email":"nobody@example.com","password":"correct horse battery"}`, http.StatusUnauthorized, "invalid_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.json("POST", tt.path, "", tt.body).problem(t, tt.status, tt.code)
		})
	}
}

// TestLoginIsRateLimited: password guessing through the API meets the
// hub's limit, answered 429 with Retry-After.
func TestLoginIsRateLimited(t *testing.T) {
	e := newEnv(t)
	e.customer("ada@example.com", "Ada Lovelace")
	var r response
	for range 20 {
		r = e.json("POST", "/auth/login", "", `{"email":"ada@example.com","password":"wrong horse battery"}`)
		if r.status == http.StatusTooManyRequests {
			break
		}
		require.Equal(t, http.StatusUnauthorized, r.status, "body: %s", r.body)
	}
	r.problem(t, http.StatusTooManyRequests, "rate_limited")
	assert.NotEmpty(t, r.header.Get("Retry-After"))
}
