package public

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
)

func TestDollarsJSON(t *testing.T) {
	for _, tt := range []struct {
		cents intake.Cents
		want  string
	}{{0, "0.00"}, {5, "0.05"}, {8500, "85.00"}, {31875, "318.75"}, {-120, "-1.20"}, {100_000_000_01, "100000000.01"}} {
		b, err := json.Marshal(Dollars(tt.cents))
		require.NoError(t, err)
		assert.Equal(t, tt.want, string(b))
		var back Dollars
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, Dollars(tt.cents), back, "round trip of %s", tt.want)
	}
	for _, bad := range []string{`1e3`, `320.005`, `"abc"`, `.5`, `true`} {
		var d Dollars
		assert.Error(t, json.Unmarshal([]byte(bad), &d), bad)
	}
}

func TestCatalogFromDemoVariants(t *testing.T) {
	ctx := context.Background()
	vs := demo.Variants()
	cat, err := CatalogFromVariants(vs)
	require.NoError(t, err, "every demo variant gets a distinct id, SKU and name")
	for _, dv := range vs {
		v, err := cat.BySKU(ctx, dv.SKU)
		require.NoError(t, err)
		byID, err := cat.ByID(ctx, v.ID)
		require.NoError(t, err)
		assert.Equal(t, dv.SKU, byID.SKU)
	}
	v, err := cat.ByID(ctx, "var_iphone13_128_unlocked")
	require.NoError(t, err)
	assert.Equal(t, "APIP13128UN", v.SKU)
	v, err = cat.Lookup(ctx, " apple", "IPHONE 13", "128 gb", "unlocked")
	require.NoError(t, err, "lookups ignore case and spaces")
	assert.Equal(t, "APIP13128UN", v.SKU)
	v, err = cat.BySKU(ctx, "smS24u1tbat")
	require.NoError(t, err)
	assert.Equal(t, "var_galaxys24ultra_1tb_att", v.ID)
	_, err = cat.Lookup(ctx, "Apple", "iPhone 99", "128GB", "Unlocked")
	assert.ErrorIs(t, err, ErrVariantNotFound)

	_, err = NewMemoryCatalog([]Variant{
		{Make: "A", Model: "X", Storage: "64GB", Carrier: "Unlocked", SKU: "S1", Buyback: intake.PriceTableFromBase(100)},
		{Make: "B", Model: "X", Storage: "64GB", Carrier: "Unlocked", SKU: "S2", Buyback: intake.PriceTableFromBase(100)},
	})
	assert.Error(t, err, "two makes with one model name would share a variant id")
}

func TestLookup(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.do("GET", "/api/v1/buyback/pricing/lookup?make=samsung&model=galaxy+s23+ultra&storage=512gb&carrier=verizon", e.readKey, nil)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	v, err := e.cat.Lookup(ctx, "Samsung", "Galaxy S23 Ultra", "512GB", "Verizon")
	require.NoError(t, err)
	assert.Equal(t, v.SKU, r.data()["sku"])
	assert.Equal(t, json.Number(v.Buyback[intake.ConditionExcellent].String()), r.data()["conditionexcellentprice"])

	// A recorded price becomes current for the lookup, once its time has come.
	newer := intake.PriceTableFromSeed000(intake.Seed000Prices{Broken: 1001, Poor: 2002, Average: 3003, Excellent: 4004, New: 5005})
	require.NoError(t, e.api.RecordPrice(ctx, v.ID, e.clock.Now().Add(time.Hour), newer))
	r = e.do("GET", "/api/v1/buyback/pricing/lookup?make=samsung&model=galaxy+s23+ultra&storage=512gb&carrier=verizon", e.readKey, nil)
	assert.Equal(t, json.Number(v.Buyback[intake.ConditionExcellent].String()), r.data()["conditionexcellentprice"], "future prices are not current yet")
	e.clock.Advance(time.Hour)
	r = e.do("GET", "/api/v1/buyback/pricing/lookup?make=samsung&model=galaxy+s23+ultra&storage=512gb&carrier=verizon", e.readKey, nil)
	assert.Equal(t, json.Number("40.04"), r.data()["conditionexcellentprice"])
	assert.Equal(t, json.Number("10.01"), r.data()["conditionbrokenprice"])

	r = e.do("GET", "/api/v1/buyback/pricing/lookup?make=Apple&storage=128GB", e.readKey, nil)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, "VALIDATION_ERROR", r.errCode())
	assert.Equal(t, []string{"model:required", "carrier:required"}, r.issues())

	r = e.do("GET", "/api/v1/buyback/pricing/lookup?make=Apple&model=iPhone+99&storage=128GB&carrier=Unlocked", e.readKey, nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "NOT_FOUND", r.errCode())
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	revoked := e.keys.issue(ScopeBuybackRead)
	e.keys.revoke(revoked)
	lookup := "/api/v1/buyback/pricing/lookup?make=Apple&model=iPhone+13&storage=128GB&carrier=Unlocked"
	for _, tt := range []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"no key", "GET", lookup, "", nil, 401, "UNAUTHORIZED"},
		{"unknown key", "GET", lookup, "spk_live_NOPE", nil, 401, "UNAUTHORIZED"},
		{"revoked key", "GET", lookup, revoked, nil, 401, "UNAUTHORIZED"},
		{"lookup needs buyback:read", "GET", lookup, e.writeKey, nil, 403, "FORBIDDEN"},
		{"quotes need buyback:write", "POST", "/api/v1/buyback/quotes", e.readKey, map[string]any{"name": "x", "client_value": 1, "client_calc": 0}, 403, "FORBIDDEN"},
		{"status needs buyback:write", "PATCH", "/api/v1/buyback/quotes/1/status", e.readKey, map[string]any{"status": 1}, 403, "FORBIDDEN"},
		{"webhooks need webhooks:write", "GET", "/api/v1/webhooks", e.writeKey, nil, 403, "FORBIDDEN"},
		{"unknown route", "GET", "/api/v1/nothing", e.allKey, nil, 404, "NOT_FOUND"},
		{"wrong method", "DELETE", "/api/v1/buyback/quotes/1/status", e.allKey, nil, 405, "METHOD_NOT_ALLOWED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.key, tt.body)
			assert.Equal(t, tt.status, r.Status, r.Raw)
			assert.Equal(t, tt.code, r.errCode())
			assert.Equal(t, false, r.Body["success"])
			if tt.status == 401 {
				assert.NotEmpty(t, r.Header.Get("WWW-Authenticate"))
			}
		})
	}
	assert.Equal(t, http.StatusOK, e.do("GET", lookup, e.readKey, nil).Status)
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, WithRateLimit(2, 2)) // one token every 30 s, bursts of 2
	lookup := "/api/v1/buyback/pricing/lookup?make=Apple&model=iPhone+13&storage=128GB&carrier=Unlocked"
	assert.Equal(t, 200, e.do("GET", lookup, e.readKey, nil).Status)
	assert.Equal(t, 200, e.do("GET", lookup, e.readKey, nil).Status)
	r := e.do("GET", lookup, e.readKey, nil)
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.errCode())
	assert.Equal(t, "30", r.Header.Get("Retry-After"))
	assert.Equal(t, 200, e.do("GET", lookup, e.allKey, nil).Status, "limits are per key")
	e.clock.Advance(29 * time.Second)
	assert.Equal(t, 429, e.do("GET", lookup, e.readKey, nil).Status)
	e.clock.Advance(time.Second)
	assert.Equal(t, 200, e.do("GET", lookup, e.readKey, nil).Status, "a token is back after Retry-After")
}

func createQuote(t *testing.T, e *env, value any, calc int) int64 {
	t.Helper()
	r := e.do("POST", "/api/v1/buyback/quotes", e.writeKey, map[string]any{"name": "Q", "client_value": value, "client_calc": calc})
	require.Equal(t, http.StatusCreated, r.Status, r.Raw)
	id, err := r.Body["id"].(json.Number).Int64()
	require.NoError(t, err)
	return id
}

func TestCreateQuoteValidation(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name   string
		body   string
		status int
		code   string
		issues []string
	}{
		{"missing everything", `{}`, 400, "VALIDATION_ERROR", []string{"name:required", "client_calc:required", "client_value:required"}},
		{"bad calc", `{"name":"n","client_value":5,"client_calc":2}`, 400, "VALIDATION_ERROR", []string{"client_calc:invalid_choice"}},
		{"percentage over 100", `{"name":"n","client_value":100.01,"client_calc":0}`, 400, "VALIDATION_ERROR", []string{"client_value:out_of_range"}},
		{"negative value", `{"name":"n","client_value":-1,"client_calc":1}`, 400, "VALIDATION_ERROR", []string{"client_value:negative"}},
		{"three decimals", `{"name":"n","client_value":85.125,"client_calc":0}`, 400, "VALIDATION_ERROR", []string{"client_value:invalid_amount"}},
		{"long name", `{"name":"` + strings.Repeat("n", 201) + `","client_value":1,"client_calc":1}`, 400, "VALIDATION_ERROR", []string{"name:too_long"}},
		{"calc as string", `{"name":"n","client_value":1,"client_calc":"0"}`, 400, "VALIDATION_ERROR", []string{"client_calc:wrong_type"}},
		{"unknown field", `{"name":"n","client_value":1,"client_calc":1,"discount":3}`, 400, "VALIDATION_ERROR", []string{"discount:unknown_field"}},
		{"malformed JSON", `{"name": "n",`, 400, "MALFORMED_JSON", nil},
		{"empty body", ``, 400, "MALFORMED_JSON", nil},
		{"two objects", `{"name":"n","client_value":1,"client_calc":1}{}`, 400, "MALFORMED_JSON", nil},
		{"huge body", `{"name":"` + strings.Repeat("x", 70<<10) + `","client_value":1,"client_calc":1}`, 413, "PAYLOAD_TOO_LARGE", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/buyback/quotes", e.writeKey, []byte(tt.body))
			assert.Equal(t, tt.status, r.Status, r.Raw)
			assert.Equal(t, tt.code, r.errCode())
			assert.Equal(t, tt.issues, r.issues())
		})
	}
	_, err := e.quote(1)
	assert.ErrorIs(t, err, hubdb.ErrNotFound, "no rejected request created a quote")

	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/buyback/quotes", strings.NewReader(`name=n`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.writeKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
}

func TestAddItemValidation(t *testing.T) {
	e := newEnv(t)
	pct := createQuote(t, e, 85, CalcPercent)
	fixed := createQuote(t, e, 85, CalcFixed)
	item := func(id int64) string { return fmt.Sprintf("/api/v1/buyback/quotes/%d/items", id) }
	for _, tt := range []struct {
		name   string
		quote  int64
		body   string
		status int
		code   string
		issues []string
	}{
		{"bad grade name", pct, `{"sku":"APIP13128UN","grade":"excellent","quantity":1}`, 400, "VALIDATION_ERROR", []string{"grade:invalid_grade"}},
		{"grade is a seed 002 label", pct, `{"sku":"APIP13128UN","grade":"Good","quantity":1}`, 400, "VALIDATION_ERROR", []string{"grade:invalid_grade"}},
		{"grade missing", pct, `{"sku":"APIP13128UN","quantity":1}`, 400, "VALIDATION_ERROR", []string{"grade:required"}},
		{"negative quantity", pct, `{"sku":"APIP13128UN","grade":"conditionpoorprice","quantity":-5}`, 400, "VALIDATION_ERROR", []string{"quantity:out_of_range"}},
		{"zero quantity", pct, `{"sku":"APIP13128UN","grade":"conditionpoorprice","quantity":0}`, 400, "VALIDATION_ERROR", []string{"quantity:out_of_range"}},
		{"fractional quantity", pct, `{"sku":"APIP13128UN","grade":"conditionpoorprice","quantity":2.5}`, 400, "VALIDATION_ERROR", []string{"quantity:wrong_type"}},
		{"quantity missing", pct, `{"sku":"APIP13128UN","grade":"conditionpoorprice"}`, 400, "VALIDATION_ERROR", []string{"quantity:required"}},
		{"unknown sku", pct, `{"sku":"NOPE123","grade":"conditionpoorprice","quantity":1}`, 400, "VALIDATION_ERROR", []string{"sku:unknown_sku"}},
		{"all wrong at once", pct, `{"sku":"NOPE123","grade":"mint","quantity":0,"value":-1}`, 400, "VALIDATION_ERROR", []string{"sku:unknown_sku", "grade:invalid_grade", "quantity:out_of_range", "value:negative"}},
		{"sim contradicts sku", pct, `{"sku":"APIP13128UN","grade":"conditionpoorprice","sim":"Verizon","quantity":1}`, 400, "VALIDATION_ERROR", []string{"sim:sim_mismatch"}},
		{"value with three decimals", pct, `{"sku":"APIP13128UN","grade":"conditionpoorprice","quantity":1,"value":1.999}`, 400, "VALIDATION_ERROR", []string{"value:invalid_amount"}},
		{"client_share disagrees", pct, `{"sku":"APIP13128UN","grade":"conditionaverageprice","quantity":1,"value":320.00,"client_share":270.00}`, 400, "VALIDATION_ERROR", []string{"client_share:client_share_mismatch"}},
		{"fixed share above value", fixed, `{"sku":"APIP1164UN","grade":"conditionbrokenprice","quantity":1,"value":20.00}`, 400, "VALIDATION_ERROR", []string{"client_share:exceeds_value"}},
		{"malformed JSON", pct, `{"sku":`, 400, "MALFORMED_JSON", nil},
		{"huge body", pct, `{"sku":"` + strings.Repeat("A", 100<<10) + `"}`, 413, "PAYLOAD_TOO_LARGE", nil},
		{"unknown quote", 999, `{"sku":"APIP13128UN","grade":"conditionpoorprice","quantity":1}`, 404, "NOT_FOUND", nil},
		// Money the hub bounds: a value that overflowed the share, a
		// quantity that overflowed the total, a price beyond negotiation.
		{"value 18446744073709.56", pct, `{"sku":"APIP13128UN","grade":"conditionaverageprice","quantity":1,"value":18446744073709.56}`, 400, "VALIDATION_ERROR", []string{"value:out_of_range"}},
		{"quantity 100001", pct, `{"sku":"APIP13128UN","grade":"conditionaverageprice","quantity":100001}`, 400, "VALIDATION_ERROR", []string{"quantity:out_of_range"}},
		{"value above twice the list", pct, `{"sku":"APIP13128UN","grade":"conditionaverageprice","quantity":1,"value":999999.99}`, 400, "VALIDATION_ERROR", []string{"value:beyond_list_multiple"}},
		{"client_share beyond any amount", pct, `{"sku":"APIP13128UN","grade":"conditionaverageprice","quantity":1,"client_share":1000000.01}`, 400, "VALIDATION_ERROR", []string{"client_share:out_of_range"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", item(tt.quote), e.writeKey, []byte(tt.body))
			assert.Equal(t, tt.status, r.Status, r.Raw)
			assert.Equal(t, tt.code, r.errCode())
			assert.Equal(t, tt.issues, r.issues())
		})
	}
	r := e.do("POST", "/api/v1/buyback/quotes/abc/items", e.writeKey, `{}`)
	assert.Equal(t, http.StatusNotFound, r.Status)
	for _, id := range []int64{pct, fixed} {
		q, err := e.quote(id)
		require.NoError(t, err)
		assert.Empty(t, q.Items, "no rejected item was stored")
	}
}

func TestQuoteLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, err := e.cat.BySKU(ctx, "APIP13256VZ")
	require.NoError(t, err)
	excellent := v.Buyback[intake.ConditionExcellent]

	// Percentage split: value defaults to the list price; the share is
	// value × 72.50%, rounded half away from zero to the cent.
	pct := createQuote(t, e, "72.50", CalcPercent)
	r := e.do("POST", fmt.Sprintf("/api/v1/buyback/quotes/%d/items", pct), e.writeKey, map[string]any{"sku": "apip13256vz", "grade": "conditionexcellentprice", "quantity": 3})
	require.Equal(t, http.StatusCreated, r.Status, r.Raw)
	wantShare := (excellent*7250 + 5000) / 10000
	assert.Equal(t, json.Number(excellent.String()), r.data()["value"])
	assert.Equal(t, json.Number(excellent.String()), r.data()["list_value"])
	assert.Equal(t, json.Number(wantShare.String()), r.data()["client_share"])
	assert.Equal(t, "APIP13256VZ", r.data()["sku"], "canonical SKU")
	assert.Equal(t, "Verizon", r.data()["sim"], "sim defaults to the variant's carrier")

	// Sending the share the server computes is accepted.
	r = e.do("POST", fmt.Sprintf("/api/v1/buyback/quotes/%d/items", pct), e.writeKey, map[string]any{"sku": "APIP13256VZ", "grade": "conditionpoorprice", "quantity": 1, "value": "100.01", "client_share": "72.51"})
	require.Equal(t, http.StatusCreated, r.Status, r.Raw)

	r = e.do("GET", fmt.Sprintf("/api/v1/buyback/quotes/%d", pct), e.readKey, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, json.Number("4"), r.data()["devices"])
	assert.Equal(t, json.Number((excellent*3 + 10001).String()), r.data()["total_value"])
	assert.Equal(t, json.Number((wantShare*3 + 7251).String()), r.data()["total_client_share"])

	// Fixed amount per device.
	fixed := createQuote(t, e, 40, CalcFixed)
	r = e.do("POST", fmt.Sprintf("/api/v1/buyback/quotes/%d/items", fixed), e.writeKey, map[string]any{"sku": "APIP13256VZ", "grade": "conditionaverageprice", "quantity": 2})
	require.Equal(t, http.StatusCreated, r.Status, r.Raw)
	assert.Equal(t, json.Number("40.00"), r.data()["client_share"])

	// Status flow: pending → declined; same status again is a no-op; a
	// decided quote neither changes again nor takes items.
	status := func(id int64, s int) resp {
		return e.do("PATCH", fmt.Sprintf("/api/v1/buyback/quotes/%d/status", id), e.writeKey, map[string]any{"status": s})
	}
	r = status(fixed, StatusDeclined)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, "declined", r.data()["status_name"])
	assert.Equal(t, http.StatusOK, status(fixed, StatusDeclined).Status)
	r = status(fixed, StatusApproved)
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Equal(t, "CONFLICT", r.errCode())
	r = e.do("POST", fmt.Sprintf("/api/v1/buyback/quotes/%d/items", fixed), e.writeKey, map[string]any{"sku": "APIP13256VZ", "grade": "conditionaverageprice", "quantity": 2})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Equal(t, http.StatusOK, status(pct, StatusPending).Status, "pending → pending is a no-op")

	for _, tt := range []struct {
		name, body string
		issues     []string
	}{
		{"status out of range", `{"status":3}`, []string{"status:invalid_choice"}},
		{"status missing", `{}`, []string{"status:required"}},
		{"status as text", `{"status":"approved"}`, []string{"status:wrong_type"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("PATCH", fmt.Sprintf("/api/v1/buyback/quotes/%d/status", pct), e.writeKey, []byte(tt.body))
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Equal(t, tt.issues, r.issues())
		})
	}
	assert.Equal(t, http.StatusNotFound, status(12345, StatusApproved).Status)
	assert.Equal(t, http.StatusNotFound, e.do("GET", "/api/v1/buyback/quotes/12345", e.readKey, nil).Status)
}

func TestQuoteEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ep, _, err := e.hooks.Register(ctx, "http://127.0.0.1:1/hook", nil, "")
	require.NoError(t, err)
	id := createQuote(t, e, 85, CalcPercent)
	other := createQuote(t, e, 85, CalcPercent)
	e.do("PATCH", fmt.Sprintf("/api/v1/buyback/quotes/%d/status", id), e.writeKey, map[string]any{"status": 1})
	e.do("PATCH", fmt.Sprintf("/api/v1/buyback/quotes/%d/status", other), e.writeKey, map[string]any{"status": 0})
	e.do("PATCH", fmt.Sprintf("/api/v1/buyback/quotes/%d/status", other), e.writeKey, map[string]any{"status": 0})
	ds, err := e.hooks.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	var kinds []string
	for _, d := range slices.Backward(ds) { // Deliveries lists newest first
		kinds = append(kinds, d.EventType)
	}
	assert.Equal(t, []string{
		webhook.EventQuoteCreated, webhook.EventQuoteCreated, webhook.EventQuoteApproved, webhook.EventQuoteDeclined,
	}, kinds, "queued in each change's transaction; a repeated status fires nothing")
}

// Without a dispatcher quotes work, fire no event, and no webhook
// management API is mounted.
func TestWithoutWebhooks(t *testing.T) {
	e := newEnv(t, WithWebhooks(nil))
	id := createQuote(t, e, 85, CalcPercent)
	r := e.do("PATCH", fmt.Sprintf("/api/v1/buyback/quotes/%d/status", id), e.writeKey, map[string]any{"status": 1})
	assert.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, http.StatusNotFound, e.do("GET", "/api/v1/webhooks", e.allKey, nil).Status)
}
