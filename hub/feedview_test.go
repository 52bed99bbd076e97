package hub_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestBenchPullCarriesNoContactDetails pulls through the real server as a
// bench enrolled with the default scopes: the customer's name, no e-mail,
// phone or address, and operators with what logs them in.
func TestBenchPullCarriesNoContactDetails(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 3})
	token := h.Enroll(t, "bench-1")
	a := call(t, http.MethodGet, h.URL+"/v1/changes?limit=1000", token, nil)
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	body := string(a.body)
	for _, absent := range []string{`"email"`, `"phone"`, `"address"`, `@example.com`} {
		assert.NotContains(t, body, absent)
	}
	var page struct {
		Changes []struct {
			ID       string                              `json:"id"`
			TradeIn  *struct{ Customer json.RawMessage } `json:"trade_in"`
			Operator map[string]json.RawMessage          `json:"operator"`
		} `json:"changes"`
	}
	require.NoError(t, json.Unmarshal(a.body, &page))
	customers := map[string]string{}
	var operators []string
	for _, c := range page.Changes {
		if c.TradeIn != nil {
			customers[c.ID] = string(c.TradeIn.Customer)
		}
		if c.Operator != nil {
			operators = append(operators, c.ID)
			assert.Contains(t, c.Operator, "pin_hash", "operator %s", c.ID)
			assert.Contains(t, c.Operator, "badge", "operator %s", c.ID)
		}
	}
	assert.Equal(t, map[string]string{
		"ti-00000001": `{"name":"Olivia Okafor"}`,
		"ti-00000002": `{"name":"Emma Sato"}`,
		"ti-00000003": `{"name":"Fatima Garcia"}`,
	}, customers)
	assert.Equal(t, []string{"op-tech-1", "op-clerk-1", "op-super-1"}, operators)
}

// TestCatalogTokenPullCarriesNoPeople pulls through the real server with a
// catalog:read token: the catalog and the registry, trade-ins without their
// customers, and no operator or PIN hash at all.
func TestCatalogTokenPullCarriesNoPeople(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 3})
	token := h.Enroll(t, "catalog-reader", "catalog:read")
	a := call(t, http.MethodGet, h.URL+"/v1/changes?limit=1000", token, nil)
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	body := string(a.body)
	for _, absent := range []string{`"email"`, `"phone"`, `"address"`, `"pin_hash"`, `"customer"`, `"badge"`, `"operator"`, "Olivia Okafor"} {
		assert.NotContains(t, body, absent)
	}
	var page struct {
		Changes []struct {
			Entity string `json:"entity"`
		} `json:"changes"`
	}
	require.NoError(t, json.Unmarshal(a.body, &page))
	entities := map[string]int{}
	for _, c := range page.Changes {
		entities[c.Entity]++
	}
	assert.Equal(t, 3, entities["tradein"], "the trade-ins, without their customers")
	assert.Positive(t, entities["variant"], "the catalog")
	assert.Zero(t, entities["operator"])
}
