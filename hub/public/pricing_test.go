package public

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
)

const iphone13 = "var_iphone13_128_unlocked"

// cents renders c as seed 002 does: an integer number of cents.
func cents(c intake.Cents) json.Number { return json.Number(strconv.FormatInt(int64(c), 10)) }

func currentMap(t intake.PriceTable) map[string]any {
	out := map[string]any{}
	for k, v := range t.Seed002() {
		out[k] = cents(v)
	}
	return out
}

func TestSeed002Shape(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	var tables []intake.PriceTable
	for i, base := range []intake.Cents{67000, 66000, 65000} {
		tab := intake.PriceTableFromBase(base)
		tables = append(tables, tab)
		require.NoError(t, e.api.RecordPrice(ctx, iphone13, now.AddDate(0, 0, 7*(i-2)), tab))
	}
	last := tables[2]

	r := e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=both", e.pricingKey, nil)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, true, r.Body["success"])
	assert.Equal(t, now.Format(time.RFC3339), r.Body["timestamp"])
	d := r.data()
	assert.Equal(t, iphone13, d["variant_id"])
	assert.Equal(t, "Apple iPhone 13", d["device_name"])
	assert.Equal(t, "128GB Unlocked", d["variant_name"])
	assert.Equal(t, "USD", d["currency"])

	buy := d["buyback"].(map[string]any)
	assert.Equal(t, currentMap(last), buy["current"])
	assert.Equal(t, SourceRecorded, buy["source"])
	assert.Equal(t, now.Format(time.RFC3339), buy["last_updated"])
	assert.Equal(t, "falling", buy["trend"], "670.00 → 650.00 is -3%")
	hist := buy["historical"].([]any)
	require.Len(t, hist, 12, "3 observations × Excellent, Good, Fair, Poor")
	assert.Equal(t, map[string]any{"date": now.AddDate(0, 0, -14).Format(time.DateOnly), "value": cents(67000), "currency": "USD", "condition": "Excellent"}, hist[0])
	assert.Equal(t, map[string]any{"date": now.AddDate(0, 0, -14).Format(time.DateOnly), "value": cents(tables[0][intake.ConditionPoor]), "currency": "USD", "condition": "Poor"}, hist[3])
	assert.Equal(t, "Excellent", hist[11-3].(map[string]any)["condition"])

	// No resale observations: resale is buyback × ResaleMarkupPercent,
	// history included.
	res := d["resale"].(map[string]any)
	assert.Equal(t, currentMap(deriveResale(last)), res["current"])
	assert.Equal(t, SourceDerived, res["source"])
	assert.Equal(t, cents(intake.Cents(67000).Percent(ResaleMarkupPercent)), res["historical"].([]any)[0].(map[string]any)["value"])
	assert.Equal(t, "falling", res["trend"])

	assert.Equal(t, json.Number("24"), d["data_points"])
	assert.Equal(t, json.Number("65"), d["market_confidence"], "50 + 5 × 3 observations")

	// pricing_type filters sides.
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=buyback", e.pricingKey, nil)
	assert.Contains(t, r.data(), "buyback")
	assert.NotContains(t, r.data(), "resale")
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=resale", e.pricingKey, nil)
	assert.NotContains(t, r.data(), "buyback")
	assert.Contains(t, r.data(), "resale")

	// condition and days narrow the history.
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=buyback&condition=good&days=10", e.pricingKey, nil)
	hist = r.data()["buyback"].(map[string]any)["historical"].([]any)
	require.Len(t, hist, 2, "the observations of the last 10 days")
	for _, h := range hist {
		assert.Equal(t, "Good", h.(map[string]any)["condition"])
	}
	assert.Equal(t, "stable", r.data()["buyback"].(map[string]any)["trend"], "Good prices 528.00 → 520.00 is -1.5%")

	// Recorded resale prices replace the derived ones.
	require.NoError(t, e.api.RecordResalePrice(ctx, iphone13, now.Add(-time.Hour), intake.PriceTableFromBase(85000)))
	require.NoError(t, e.api.RecordResalePrice(ctx, iphone13, now, intake.PriceTableFromBase(87000)))
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=resale", e.pricingKey, nil)
	res = r.data()["resale"].(map[string]any)
	assert.Equal(t, SourceRecorded, res["source"])
	assert.Equal(t, currentMap(intake.PriceTableFromBase(87000)), res["current"])
	assert.Equal(t, "rising", res["trend"], "850.00 → 870.00 is +2.35%")

	assert.ErrorIs(t, e.api.RecordPrice(ctx, "var_nope", now, last), ErrVariantNotFound)
}

func TestSeed002WithoutHistory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, err := e.cat.ByID(ctx, "var_pixel8pro_256_tmobile")
	require.NoError(t, err)
	r := e.do("GET", "/api/pricing?variant_id="+v.ID, e.pricingKey, nil)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	buy := r.data()["buyback"].(map[string]any)
	assert.Equal(t, currentMap(v.Buyback), buy["current"])
	assert.Equal(t, SourceCatalog, buy["source"])
	assert.Nil(t, buy["last_updated"])
	assert.Contains(t, buy, "last_updated", "present as null")
	assert.Empty(t, buy["historical"])
	assert.Equal(t, "stable", buy["trend"])
	assert.Equal(t, json.Number("0"), r.data()["data_points"])
	assert.Equal(t, json.Number("50"), r.data()["market_confidence"])
}

func TestTrend(t *testing.T) {
	pts := func(vals ...intake.Cents) []PricePoint {
		var out []PricePoint
		for _, v := range vals {
			out = append(out, PricePoint{Condition: "Excellent", Value: v}, PricePoint{Condition: "Good", Value: 1})
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		points []PricePoint
		want   string
	}{
		{"none", nil, "stable"},
		{"one", pts(100), "stable"},
		{"up 2%", pts(10000, 10200), "rising"},
		{"up 1.99%", pts(10000, 10199), "stable"},
		{"down 2%", pts(10000, 9000, 9800), "falling"},
		{"down 1%", pts(10000, 9900), "stable"},
	} {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, trend(tt.points)) })
	}
}

// failingCatalog fails with an internal error for one variant id.
type failingCatalog struct{ Catalog }

func (c failingCatalog) ByID(ctx context.Context, id string) (Variant, error) {
	if id == "var_broken" {
		return Variant{}, errors.New("catalog database unreachable")
	}
	return c.Catalog.ByID(ctx, id)
}

func TestSeed002ErrorCodes(t *testing.T) {
	mc, err := CatalogFromVariants(demo.Variants())
	require.NoError(t, err)
	e := newEnvWithCatalog(t, failingCatalog{mc}, WithRateLimit(60, 4))
	for _, tt := range []struct {
		name, query, key string
		status           int
		code             string
		message          string
	}{
		{"400 missing variant_id", "", e.pricingKey, 400, "VALIDATION_ERROR", "Missing required variant_id parameter"},
		{"400 bad pricing_type", "?variant_id=" + iphone13 + "&pricing_type=wholesale", e.pricingKey, 400, "VALIDATION_ERROR", ""},
		{"400 bad days", "?variant_id=" + iphone13 + "&days=0", e.pricingKey, 400, "VALIDATION_ERROR", ""},
		{"400 bad condition", "?variant_id=" + iphone13 + "&condition=Mint", e.pricingKey, 400, "VALIDATION_ERROR", ""},
		{"401 no key", "?variant_id=" + iphone13, "", 401, "UNAUTHORIZED", ""},
		{"401 bad key", "?variant_id=" + iphone13, "spk_live_bogus", 401, "UNAUTHORIZED", ""},
		{"403 key without pricing:read", "?variant_id=" + iphone13, e.readKey, 403, "FORBIDDEN", ""},
		{"404 unknown variant", "?variant_id=var_nokia3310_1_unlocked", e.allKey, 404, "NOT_FOUND", ""},
		{"500 catalog failure", "?variant_id=var_broken", e.allKey, 500, "INTERNAL_ERROR", "internal error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", "/api/pricing"+tt.query, tt.key, nil)
			assert.Equal(t, tt.status, r.Status, r.Raw)
			assert.Equal(t, false, r.Body["success"])
			assert.Equal(t, tt.code, r.errCode())
			if tt.message != "" {
				assert.Equal(t, tt.message, r.Body["error"].(map[string]any)["message"])
			}
		})
	}
	// pricingKey has used its burst of 4 above (rejected requests count
	// too); the 5th in the same instant is refused.
	r := e.do("GET", "/api/pricing?variant_id="+iphone13, e.pricingKey, nil)
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.errCode())
	assert.Equal(t, "1", r.Header.Get("Retry-After"))
	e.clock.Advance(time.Second)
	assert.Equal(t, http.StatusOK, e.do("GET", "/api/pricing?variant_id="+iphone13, e.pricingKey, nil).Status)
}
