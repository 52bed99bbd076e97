package upgrade_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// The admin API of sites: create and list them, put a bench, an operator
// and a trade-in at one and back at none; refusals with their codes.
func TestAdminSites(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id := e.submission(ada, cleanIMEI)
	require.NoError(t, e.hub.PutOperators(ctx, []wire.Operator{{ID: "op-ana", Name: "Ana", Role: intake.RoleTechnician}}))
	_, err := e.hub.CreateEnrollment(ctx, "bench-leeds-1", wire.BenchScopes, time.Hour)
	require.NoError(t, err)

	r := e.json("POST", "/admin/sites", e.adminKey, `{"id":"leeds-wh","name":"Leeds warehouse","kind":"warehouse"}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	assert.Equal(t, "/api/acme/admin/sites/leeds-wh", r.header.Get("Location"))
	assert.Equal(t, "warehouse", r.str(t, "kind"))
	assert.Equal(t, `"2024-01-15T00:00:00Z"`, r.raw(t, "created_at"))
	r = e.json("POST", "/admin/sites", e.adminKey, `{"id":"soho","name":"Soho store","kind":"store"}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

	for _, tt := range []struct{ path, want string }{
		{"/admin/benches/bench-leeds-1/site", `{"id":"bench-leeds-1","site":"leeds-wh"}`},
		{"/admin/operators/op-ana/site", `{"id":"op-ana","site":"leeds-wh"}`},
		{"/admin/tradeins/" + id + "/site", `{"id":"` + id + `","site":"leeds-wh"}`},
	} {
		r := e.json("PUT", tt.path, e.adminKey, `{"site":"leeds-wh"}`)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", tt.path, r.body)
		assert.JSONEq(t, tt.want, string(r.body))
	}
	r = e.json("GET", "/admin/sites", e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.JSONEq(t, `{"items":[
		{"id":"leeds-wh","name":"Leeds warehouse","kind":"warehouse","created_at":"2024-01-15T00:00:00Z","benches":["bench-leeds-1"]},
		{"id":"soho","name":"Soho store","kind":"store","created_at":"2024-01-15T00:00:00Z","benches":[]}]}`, string(r.body))
	site, err := e.hub.SiteOf(ctx, wire.EntityTradeIn, id)
	require.NoError(t, err)
	assert.Equal(t, "leeds-wh", site)

	r = e.json("PUT", "/admin/tradeins/"+id+"/site", e.adminKey, `{"site":null}`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.JSONEq(t, `{"id":"`+id+`","site":null}`, string(r.body), "back at every site")

	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"a kind that is neither", "POST", "/admin/sites", `{"id":"depot","name":"Depot","kind":"depot"}`, http.StatusUnprocessableEntity, "invalid_site_kind"},
		{"an id taken", "POST", "/admin/sites", `{"id":"soho","name":"Soho","kind":"store"}`, http.StatusConflict, "site_exists"},
		{"an id that is not a slug", "POST", "/admin/sites", `{"id":"Soho Store","name":"Soho","kind":"store"}`, http.StatusBadRequest, "invalid_request"},
		{"no kind", "POST", "/admin/sites", `{"id":"bath","name":"Bath"}`, http.StatusBadRequest, "invalid_request"},
		{"an unknown field", "POST", "/admin/sites", `{"id":"bath","name":"Bath","kind":"store","city":"Bath"}`, http.StatusBadRequest, "invalid_request"},
		{"an unknown site", "PUT", "/admin/tradeins/" + id + "/site", `{"site":"york"}`, http.StatusUnprocessableEntity, "unknown_site"},
		{"an unknown trade-in", "PUT", "/admin/tradeins/sub_nope/site", `{"site":"soho"}`, http.StatusNotFound, "submission_not_found"},
		{"an unknown operator", "PUT", "/admin/operators/op-nope/site", `{"site":"soho"}`, http.StatusNotFound, "operator_not_found"},
		{"a bench never enrolled", "PUT", "/admin/benches/bench-ghost/site", `{"site":"soho"}`, http.StatusNotFound, "unknown_bench"},
		{"a site as a number", "PUT", "/admin/operators/op-ana/site", `{"site":7}`, http.StatusBadRequest, "invalid_request"},
		{"another method", "DELETE", "/admin/sites", "", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"no key", "GET", "/admin/sites", "", http.StatusUnauthorized, "unauthorized"},
		{"a customer", "PUT", "/admin/tradeins/" + id + "/site", `{"site":"soho"}`, http.StatusForbidden, "insufficient_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := e.adminKey
			switch tt.name {
			case "no key":
				token = ""
			case "a customer":
				token = ada
			}
			e.json(tt.method, tt.path, token, tt.body).problem(t, tt.status, tt.code)
		})
	}
	site, err = e.hub.SiteOf(ctx, wire.EntityOperator, "op-ana")
	require.NoError(t, err)
	assert.Equal(t, "leeds-wh", site, "refusals changed nothing")
	sites, err := e.hub.Sites(ctx)
	require.NoError(t, err)
	assert.Len(t, sites, 2)
}
