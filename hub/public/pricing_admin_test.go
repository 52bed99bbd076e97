package public

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postObservations posts body to the admin route served on its own, as
// intakehub serve mounts it behind the admin's credential.
func postObservations(t *testing.T, srv *httptest.Server, method, path, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	return res.StatusCode, res.Header.Get("Content-Type"), out
}

func TestAdminRecordsObservations(t *testing.T) {
	e := newEnv(t) // the clock is at 2026-04-15T09:30:00Z
	srv := httptest.NewServer(e.api.AdminHandler())
	t.Cleanup(srv.Close)
	pricing := func() map[string]any {
		r := e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=resale", e.pricingKey, nil)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		return r.data()
	}
	before := pricing()
	require.Equal(t, "derived", before["resale"].(map[string]any)["source"])

	good := `{"observations": [
		{"variant_id": "var_iphone13_128_unlocked", "type": "resale", "condition": "Excellent", "value": 61000, "source": "ebay", "observed_at": "2026-04-14T12:00:00Z"},
		{"variant_id": "var_iphone13_128_unlocked", "type": "resale", "condition": "good", "value": 52000, "source": "swappa", "observed_at": "2026-04-15T09:30:00Z"}
	]}`
	status, ct, out := postObservations(t, srv, "POST", "/observations", good)
	require.Equal(t, http.StatusOK, status, out)
	assert.Equal(t, map[string]any{"recorded": 2.0, "updated": 0.0, "unchanged": 0.0}, out)
	assert.Equal(t, "application/json; charset=utf-8", ct)
	status, _, out = postObservations(t, srv, "POST", "/observations", good)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]any{"recorded": 0.0, "updated": 0.0, "unchanged": 2.0}, out, "the same again changes nothing")
	status, _, out = postObservations(t, srv, "POST", "/observations", strings.Replace(good, "52000", "52500", 1))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]any{"recorded": 0.0, "updated": 1.0, "unchanged": 1.0}, out, "a corrected price replaces its key's")

	after := pricing()
	res := after["resale"].(map[string]any)
	assert.Equal(t, "aggregated", res["source"])
	assert.Equal(t, map[string]any{"Excellent": cents(61000), "Good": cents(52500), "Fair": cents(0), "Poor": cents(0)}, res["current"])
	assert.Equal(t, "2026-04-15T09:30:00Z", res["last_updated"])
	assert.Equal(t, json.Number("2"), after["data_points"])
	// 2/500 × 50 = 0.2, + 30 (newest at now), + 8 (2 sources) = 38.2.
	assert.Equal(t, json.Number("38"), after["market_confidence"])

	// Any wrong field refuses the whole request, each named, and nothing
	// is recorded.
	bad := `{"observations": [
		{"variant_id": "var_iphone13_128_unlocked", "type": "resale", "condition": "Fair", "value": 40000, "source": "ebay", "observed_at": "2026-04-15T09:00:00Z"},
		{"variant_id": "var_nokia3310_1_unlocked", "type": "wholesale", "condition": "Mint", "value": -1, "source": "", "observed_at": "2026-04-15T09:30:01Z"},
		{"variant_id": "", "type": "buyback", "condition": "Poor", "value": 650.5, "source": " ebay", "observed_at": "yesterday"}
	]}`
	status, ct, out = postObservations(t, srv, "POST", "/observations", bad)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "application/problem+json", ct)
	assert.Equal(t, "invalid_observations", out["code"])
	assert.Equal(t, "urn:intakebench:problem:invalid_observations", out["type"])
	assert.Equal(t, "10 wrong fields (listed in errors). Nothing was recorded.", out["detail"])
	assert.Equal(t, []any{
		map[string]any{"field": "observations[1].variant_id", "issue": "unknown_variant", "message": `variant "var_nokia3310_1_unlocked" is not in the catalog`},
		map[string]any{"field": "observations[1].type", "issue": "invalid_choice", "message": `must be buyback or resale, not "wholesale"`},
		map[string]any{"field": "observations[1].condition", "issue": "invalid_choice", "message": `must be Excellent, Good, Fair or Poor, not "Mint"`},
		map[string]any{"field": "observations[1].value", "issue": "out_of_range", "message": `must be whole cents from 0 to 100000000, not "-1"`},
		map[string]any{"field": "observations[1].source", "issue": "invalid", "message": "required"},
		map[string]any{"field": "observations[1].observed_at", "issue": "in_future",
			"message": "2026-04-15T09:30:01Z is after the hub's time 2026-04-15T09:30:00Z: an observation is of the past"},
		map[string]any{"field": "observations[2].variant_id", "issue": "required", "message": "required"},
		map[string]any{"field": "observations[2].value", "issue": "out_of_range", "message": `must be whole cents from 0 to 100000000, not "650.5"`},
		map[string]any{"field": "observations[2].source", "issue": "invalid", "message": "has spaces at its ends"},
		map[string]any{"field": "observations[2].observed_at", "issue": "invalid_time", "message": `must be an RFC 3339 time, not "yesterday"`},
	}, out["errors"])
	assert.Equal(t, after, pricing(), "nothing changed")

	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"not JSON", "POST", "/observations", `{"observations": [`, 400, "invalid_request"},
		{"an unknown field", "POST", "/observations", `{"observations": [], "dry_run": true}`, 400, "invalid_request"},
		{"two values", "POST", "/observations", `{"observations": []} {}`, 400, "invalid_request"},
		{"empty", "POST", "/observations", `{"observations": []}`, 400, "invalid_request"},
		{"too large", "POST", "/observations", `{"observations": [` + strings.Repeat(" ", 5<<20) + `]}`, 413, "body_too_large"},
		{"GET", "GET", "/observations", "", 405, "method_not_allowed"},
		{"another path", "POST", "/nope", good, 404, "not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, ct, out := postObservations(t, srv, tt.method, tt.path, tt.body)
			assert.Equal(t, tt.status, status, out)
			assert.Equal(t, "application/problem+json", ct)
			assert.Equal(t, tt.code, out["code"])
		})
	}
	assert.Equal(t, after, pricing(), "nothing changed")
}
