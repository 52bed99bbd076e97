package upgrade_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// TestQueue is the operator's queue: the trade-ins of a status with the
// counts of every status, paged by cursor.
func TestQueue(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	// A minute between them: the queue is by last change, latest first.
	later := func(s intake.Status) string {
		e.clock.Advance(time.Minute)
		id, _ := e.at(ada, s)
		return id
	}
	draft := later(intake.StatusDraft)
	sub1 := later(intake.StatusSubmitted)
	sub2 := later(intake.StatusSubmitted)
	offered := later(intake.StatusOffered)
	completed := later(intake.StatusCompleted)

	r := e.json("GET", "/admin/queue", e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, `{"accepted":0,"completed":1,"declined":0,"draft":1,"inspected":0,"offered":1,"received":0,"shipped":0,"submitted":2}`, r.raw(t, "counts"))
	assert.Equal(t, []string{completed, offered, sub2, sub1, draft}, ids(t, r))

	r = e.json("GET", "/admin/queue?status=submitted&limit=1", e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, []string{sub2}, ids(t, r))
	assert.Equal(t, `{"accepted":0,"completed":1,"declined":0,"draft":1,"inspected":0,"offered":1,"received":0,"shipped":0,"submitted":2}`, r.raw(t, "counts"))
	cursor := r.str(t, "next_cursor")
	require.NotEmpty(t, cursor)

	r = e.json("GET", "/admin/queue?status=submitted&limit=1&cursor="+cursor, e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, []string{sub1}, ids(t, r))
	assert.Empty(t, r.raw(t, "next_cursor"), "the last page has no cursor")

	// The queue's items carry what the operator decides on: the offer and
	// the IMEI check.
	r = e.json("GET", "/admin/queue?status=offered", e.adminKey, "")
	var q struct {
		Items []struct {
			Offer struct {
				Amount any    `json:"amount"`
				Status string `json:"status"`
			} `json:"offer"`
			IMEICheck struct {
				Status string `json:"status"`
			} `json:"imei_check"`
		} `json:"items"`
	}
	r.decode(t, &q)
	require.Len(t, q.Items, 1)
	assert.Equal(t, "open", q.Items[0].Offer.Status)
	assert.Equal(t, "clean", q.Items[0].IMEICheck.Status)
	assert.Contains(t, string(r.body), `"amount":350.00`)

	tests := []struct{ name, query, field string }{
		{"an unknown status", "?status=lost", "status"},
		{"a limit of 0", "?limit=0", "limit"},
		{"a limit over 100", "?limit=101", "limit"},
		{"a limit not a number", "?limit=ten", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.json("GET", "/admin/queue"+tt.query, e.adminKey, "").problem(t, http.StatusBadRequest, "invalid_request")
			assert.Contains(t, string(p["errors"]), `"field":"`+tt.field+`"`)
		})
	}
	e.json("GET", "/admin/queue?cursor=bm90IG91cnM", e.adminKey, "").problem(t, http.StatusBadRequest, "invalid_request")
}

func TestValuations(t *testing.T) {
	e := newEnv(t)
	r := e.json("POST", "/admin/valuations", e.adminKey, `{"product_id":"prod_123","base_value":437.50}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	id := r.str(t, "id")
	assert.Equal(t, "/api/acme/admin/valuations/"+id, r.header.Get("Location"))
	assert.Equal(t, `437.50`, r.raw(t, "base_value"))
	assert.Equal(t, `{"excellent":100,"fair":60,"good":80,"poor":40}`, r.raw(t, "modifiers"))
	assert.Equal(t, `{"excellent":437.50,"fair":262.50,"good":350.00,"poor":175.00}`, r.raw(t, "values"))

	e.json("POST", "/admin/valuations", e.adminKey, `{"product_id":"prod_123","base_value":400.00}`).problem(t, http.StatusConflict, "product_already_valued")
	e.json("POST", "/admin/valuations", e.adminKey, `{"product_id":"prod_999","base_value":400.00}`).problem(t, http.StatusUnprocessableEntity, "unknown_product")
	p := e.json("POST", "/admin/valuations", e.adminKey, `{"product_id":"prod_123","base_value":"400"}`).problem(t, http.StatusBadRequest, "invalid_request")
	assert.Contains(t, string(p["errors"]), `"field":"base_value"`)

	r = e.json("GET", "/admin/valuations/"+id, e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `437.50`, r.raw(t, "base_value"))

	r = e.json("PUT", "/admin/valuations/"+id, e.adminKey, `{"product_id":"prod_123","base_value":500.00}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, `500.00`, r.raw(t, "base_value"))
	assert.Equal(t, `{"excellent":500.00,"fair":300.00,"good":400.00,"poor":200.00}`, r.raw(t, "values"))

	r = e.json("GET", "/admin/valuations", e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, []string{id}, ids(t, r))

	r = e.json("DELETE", "/admin/valuations/"+id, e.adminKey, "")
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	e.json("GET", "/admin/valuations/"+id, e.adminKey, "").problem(t, http.StatusNotFound, "valuation_not_found")
	e.json("DELETE", "/admin/valuations/"+id, e.adminKey, "").problem(t, http.StatusNotFound, "valuation_not_found")
	e.json("PUT", "/admin/valuations/"+id, e.adminKey, `{"product_id":"prod_123","base_value":1.00}`).problem(t, http.StatusNotFound, "valuation_not_found")
	r = e.json("GET", "/admin/valuations", e.adminKey, "")
	assert.Equal(t, `[]`, r.raw(t, "items"))
}

func TestCustomersAndStats(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	e.customer("bob@example.com", "Bob")
	e.customer("cy@example.com", "Cy")
	e.at(ada, intake.StatusCompleted)
	e.at(ada, intake.StatusAccepted)
	e.at(ada, intake.StatusSubmitted)

	var seen []string
	cursor := ""
	for page := 0; page < 5; page++ {
		r := e.json("GET", "/admin/customers?limit=2&cursor="+cursor, e.adminKey, "")
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var list struct {
			Items []struct {
				Email string `json:"email"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		r.decode(t, &list)
		for _, c := range list.Items {
			seen = append(seen, c.Email)
		}
		if cursor = list.NextCursor; cursor == "" {
			break
		}
	}
	assert.ElementsMatch(t, []string{"ada@example.com", "bob@example.com", "cy@example.com"}, seen)
	assert.Len(t, seen, 3, "each customer once")

	r := e.json("GET", "/admin/stats", e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, `{"accepted":1,"completed":1,"declined":0,"draft":0,"inspected":0,"offered":0,"received":0,"shipped":0,"submitted":1}`, r.raw(t, "trade_ins"))
	assert.Equal(t, `{"due":350.00,"owed":350.00}`, r.raw(t, "payouts"))
	assert.Equal(t, `3`, r.raw(t, "customers"))
}
