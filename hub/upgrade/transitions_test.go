package upgrade_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// TestIllegalMovesAnswer409WithCurrentStatus tries, from each status, the
// steps its status does not allow: each is a 409 carrying the status the
// submission is in, and changes nothing.
func TestIllegalMovesAnswer409WithCurrentStatus(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")
	const offerBody = `{"submission_id":"%s","amount":350.00,"notes":"n","expires_at":"2024-02-01T00:00:00Z"}`
	const update = `{"product_id":"prod_123","serial_number":"356938035643809","condition":"fair"}`
	type step struct {
		name   string
		method string
		path   string // %s is the submission's id, %o its offer's
		admin  bool
		body   string
	}
	var (
		submit  = step{"submit", "POST", "/submissions/%s", false, ""}
		edit    = step{"update", "PUT", "/submissions/%s", false, update}
		offer   = step{"offer", "POST", "/offers", true, offerBody}
		accept  = step{"accept", "POST", "/offers/%o", false, `{"action":"accept"}`}
		decline = step{"decline", "POST", "/offers/%o", false, `{"action":"decline"}`}
		ship    = step{"ship", "POST", "/submissions/%s/ship", false, ""}
		receive = step{"receive", "POST", "/submissions/%s/receive", true, ""}
		inspect = step{"inspect", "POST", "/submissions/%s/inspect", true, `{"condition":"good"}`}
	)
	tests := []struct {
		from intake.Status
		step step
		code string
	}{
		{intake.StatusDraft, offer, "invalid_status_transition"},
		{intake.StatusDraft, ship, "invalid_status_transition"},
		{intake.StatusDraft, receive, "invalid_status_transition"},
		{intake.StatusDraft, inspect, "invalid_status_transition"},
		{intake.StatusSubmitted, submit, "invalid_status_transition"},
		{intake.StatusSubmitted, edit, "submission_not_editable"},
		{intake.StatusSubmitted, ship, "invalid_status_transition"},
		{intake.StatusSubmitted, receive, "invalid_status_transition"},
		{intake.StatusSubmitted, inspect, "invalid_status_transition"},
		{intake.StatusOffered, edit, "submission_not_editable"},
		{intake.StatusOffered, ship, "invalid_status_transition"},
		{intake.StatusOffered, receive, "invalid_status_transition"},
		{intake.StatusOffered, inspect, "invalid_status_transition"},
		{intake.StatusAccepted, accept, "offer_closed"},
		{intake.StatusAccepted, decline, "offer_closed"},
		{intake.StatusAccepted, offer, "invalid_status_transition"},
		{intake.StatusAccepted, submit, "invalid_status_transition"},
		{intake.StatusAccepted, inspect, "invalid_status_transition"},
		{intake.StatusShipped, ship, "invalid_status_transition"},
		{intake.StatusShipped, offer, "invalid_status_transition"},
		{intake.StatusShipped, inspect, "invalid_status_transition"},
		{intake.StatusReceived, receive, "invalid_status_transition"},
		{intake.StatusReceived, ship, "invalid_status_transition"},
		{intake.StatusReceived, accept, "offer_closed"},
		{intake.StatusCompleted, inspect, "invalid_status_transition"},
		{intake.StatusCompleted, receive, "invalid_status_transition"},
		{intake.StatusCompleted, offer, "invalid_status_transition"},
		{intake.StatusCompleted, edit, "submission_not_editable"},
		{intake.StatusDeclined, accept, "offer_closed"},
		{intake.StatusDeclined, ship, "invalid_status_transition"},
		{intake.StatusDeclined, receive, "invalid_status_transition"},
		{intake.StatusDeclined, submit, "invalid_status_transition"},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"/"+tt.step.name, func(t *testing.T) {
			id, offerID := e.at(token, tt.from)
			path := expand(tt.step.path, id, offerID)
			body := tt.step.body
			if body != "" {
				body = expand(body, id, offerID)
			}
			who := token
			if tt.step.admin {
				who = e.adminKey
			}
			p := e.json(tt.step.method, path, who, body).problem(t, http.StatusConflict, tt.code)
			assert.Equal(t, `"`+string(tt.from)+`"`, string(p["current_status"]), "current_status")
			e.expectStatus(e.json("GET", "/submissions/"+id, token, ""), tt.from)
		})
	}
}

// expand puts a submission's id for %s and its offer's for %o.
func expand(s, id, offerID string) string {
	out := make([]byte, 0, len(s)+len(id))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+1 < len(s) {
			switch s[i+1] {
			case 's':
				out = append(out, id...)
				i++
				continue
			case 'o':
				out = append(out, offerID...)
				i++
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

func TestExpiredOfferCannotBeAccepted(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")
	id, offerID := e.at(token, intake.StatusOffered)

	e.clock.Set(time.Date(2024, 2, 1, 0, 0, 1, 0, time.UTC))
	p := e.json("POST", "/offers/"+offerID, token, `{"action":"accept"}`).problem(t, http.StatusConflict, "offer_expired")
	assert.Equal(t, `"offered"`, string(p["current_status"]))

	r := e.json("GET", "/submissions/"+id, token, "")
	e.expectStatus(r, intake.StatusOffered)
	var got struct {
		Offer struct {
			Status string `json:"status"`
		} `json:"offer"`
	}
	r.decode(t, &got)
	assert.Equal(t, "expired", got.Offer.Status)

	// The admin counter-quotes from the queue; the new offer stands.
	r = e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":340.00,"expires_at":"2024-02-15T00:00:00Z"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	r = e.json("POST", "/offers/"+r.str(t, "id"), token, `{"action":"accept"}`)
	e.expectStatus(r, intake.StatusAccepted)
	assert.Contains(t, string(r.body), `"amount":340.00`)
}

func TestOfferNeedsACleanIMEICheck(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")

	t.Run("no check", func(t *testing.T) {
		id := e.submission(token, "SN-12345678")
		e.expectStatus(e.json("POST", "/submissions/"+id, token, ""), intake.StatusSubmitted)
		p := e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":350.00,"expires_at":"2024-02-01T00:00:00Z"}`).
			problem(t, http.StatusConflict, "imei_check_required")
		assert.NotContains(t, p, "errors")
		e.expectStatus(e.json("GET", "/submissions/"+id, token, ""), intake.StatusSubmitted)
	})
	t.Run("flagged", func(t *testing.T) {
		id := e.submission(token, flaggedIMEI)
		r := e.json("POST", "/submissions/"+id, token, "")
		e.expectStatus(r, intake.StatusSubmitted)
		assert.Equal(t, `{"imei":"490154203237518","status":"blacklisted","reason":"reported stolen","carrier":"Unlocked","checked_at":"2024-01-15T00:00:00Z"}`,
			r.raw(t, "imei_check"), "submitting checks a device known by its IMEI at once")
		r = e.json("POST", "/submissions/"+id+"/imei-check", e.adminKey, "")
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "blacklisted", r.str(t, "status"))
		e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":350.00,"expires_at":"2024-02-01T00:00:00Z"}`).
			problem(t, http.StatusConflict, "imei_flagged")
		e.expectStatus(e.json("GET", "/submissions/"+id, token, ""), intake.StatusSubmitted)
	})
	t.Run("a serial number's device given a flagged IMEI", func(t *testing.T) {
		id := e.submission(token, "SN-87654321")
		e.expectStatus(e.json("POST", "/submissions/"+id, token, ""), intake.StatusSubmitted)
		r := e.json("POST", "/submissions/"+id+"/imei-check", e.adminKey, `{"imei":"490154203237518"}`)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "blacklisted", r.str(t, "status"))
		e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":350.00,"expires_at":"2024-02-01T00:00:00Z"}`).
			problem(t, http.StatusConflict, "imei_flagged")
	})
}

func TestDeclineArchivesWithReason(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")
	id, offerID := e.at(token, intake.StatusOffered)
	r := e.json("POST", "/offers/"+offerID, token, `{"action":"decline","reason":"Found a better price"}`)
	e.expectStatus(r, intake.StatusDeclined)
	var got struct {
		Offer struct {
			Status string `json:"status"`
			Reason string `json:"reason"`
		} `json:"offer"`
	}
	r.decode(t, &got)
	assert.Equal(t, "declined", got.Offer.Status)
	assert.Equal(t, "Found a better price", got.Offer.Reason)
	stock, err := e.hub.Stock(t.Context(), productSKU)
	require.NoError(t, err)
	assert.Equal(t, int64(0), stock, "seed 001: no stock changes on decline")

	// A counter-quote from the queue, at any time.
	r = e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":375.00,"expires_at":"2024-02-01T00:00:00Z"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	e.expectStatus(e.json("GET", "/submissions/"+id, token, ""), intake.StatusOffered)
}

func TestInspectedWorseThanDisclosedIsHeld(t *testing.T) {
	e := newEnv(t)
	token := e.customer("ada@example.com", "Ada Lovelace")
	id, _ := e.at(token, intake.StatusReceived)
	r := e.json("POST", "/submissions/"+id+"/inspect", e.adminKey, `{"condition":"poor","notes":"cracked back glass"}`)
	e.expectStatus(r, intake.StatusInspected)
	var got struct {
		Inspection struct {
			AsDisclosed bool   `json:"as_disclosed"`
			Graded      string `json:"graded"`
		} `json:"inspection"`
		Payout struct {
			State string `json:"state"`
		} `json:"payout"`
	}
	r.decode(t, &got)
	assert.False(t, got.Inspection.AsDisclosed)
	assert.Equal(t, "poor", got.Inspection.Graded)
	assert.Equal(t, "held", got.Payout.State)

	e.json("POST", "/submissions/"+id+"/inspect", e.adminKey, `{"condition":"shiny"}`).problem(t, http.StatusBadRequest, "invalid_request")
}
