package public

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub/hubdb"
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

// seed002Example is seed 002's example response, verbatim.
const seed002Example = `{
  "success": true,
  "data": {
    "variant_id": "var_iphone14pro_128_black",
    "device_name": "Apple iPhone 14 Pro",
    "variant_name": "128GB Space Black",
    "buyback": {
      "current": {
        "Excellent": 65000,
        "Good": 55000,
        "Fair": 45000,
        "Poor": 30000
      },
      "historical": [
        { "date": "2024-01-01", "value": 67000, "currency": "USD", "condition": "Excellent" },
        { "date": "2024-01-08", "value": 66000, "currency": "USD", "condition": "Excellent" },
        { "date": "2024-01-15", "value": 65000, "currency": "USD", "condition": "Excellent" }
      ],
      "last_updated": "2024-01-15T10:30:00Z",
      "source": "aggregated"
    },
    "resale": {
      "current": {
        "Excellent": 85000,
        "Good": 75000,
        "Fair": 60000,
        "Poor": 45000
      },
      "historical": [
        { "date": "2024-01-01", "value": 87000, "currency": "USD", "condition": "Excellent" },
        { "date": "2024-01-08", "value": 86000, "currency": "USD", "condition": "Excellent" },
        { "date": "2024-01-15", "value": 85000, "currency": "USD", "condition": "Excellent" }
      ],
      "trend": "falling",
      "liquidity_score": 85,
      "last_updated": "2024-01-15T10:30:00Z",
      "source": "aggregated"
    },
    "market_confidence": 92,
    "data_points": 1247,
    "currency": "USD"
  },
  "timestamp": "2024-01-15T10:30:00Z"
}`

// seed002Catalog is the demo catalog with the seed's example variant.
func seed002Catalog(t *testing.T) Catalog {
	t.Helper()
	vs := []Variant{{
		ID: "var_iphone14pro_128_black", Make: "Apple", Model: "iPhone 14 Pro", Storage: "128GB", Carrier: "Unlocked",
		Colour: "Space Black", SKU: "APIP14P128BK", Buyback: intake.PriceTableFromBase(60000),
	}}
	for _, v := range demo.Variants() {
		vs = append(vs, Variant{Make: v.Model.Make, Model: v.Model.Name, Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU, Buyback: v.Prices})
	}
	c, err := NewMemoryCatalog(vs)
	require.NoError(t, err)
	return c
}

// TestSeed002Example answers the seed's example request with the seed's
// example response, field for field, from observations that make its
// figures by the documented formulas:
//   - history: Excellent's daily lower median, on 2024-01-01, -08 and -15
//     (three sources a day, at v-100, v and v+100);
//   - current: each condition's newest observations, at 10:30 on the 15th;
//   - data_points 1247: 1162 buyback and 85 resale observations in the 365
//     days (two older ones left out);
//   - liquidity_score 85: all 85 resale observations are of the last 30 days;
//   - market_confidence 92 = 50 (≥ 500 data points) + 30 (newest at now)
//   - 12 (3 sources of 5);
//   - trend falling: 870.00 → 850.00 is -2.3%.
func TestSeed002Example(t *testing.T) {
	e := newEnvWithCatalog(t, seed002Catalog(t))
	now := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	e.clock.Set(now)
	const id = "var_iphone14pro_128_black"
	sources := []string{"ebay", "backmarket", "swappa"}
	var obs []Observation
	add := func(kind, cond string, value int64, source string, at time.Time) {
		obs = append(obs, Observation{VariantID: id, Type: kind, Condition: cond, Value: json.Number(strconv.FormatInt(value, 10)),
			Source: source, ObservedAt: at.Format(time.RFC3339)})
	}
	three := func(kind, cond string, v int64, at time.Time) {
		for i, s := range sources {
			add(kind, cond, v-100+int64(i)*100, s, at)
		}
	}
	for kind, seed := range map[string]struct{ excellent [3]int64 }{
		"buyback": {[3]int64{67000, 66000, 65000}}, "resale": {[3]int64{87000, 86000, 85000}},
	} {
		for i, v := range seed.excellent {
			three(kind, "Excellent", v, now.AddDate(0, 0, 7*(i-2)))
		}
	}
	three("buyback", "Good", 55000, now)
	three("buyback", "Fair", 45000, now)
	three("buyback", "Poor", 30000, now)
	three("resale", "Good", 75000, now)
	three("resale", "Fair", 60000, now)
	three("resale", "Poor", 45000, now)
	others := []string{"Good", "Fair", "Poor"}
	yesterday := now.AddDate(0, 0, -1)
	for i := range 1144 { // buyback, back to September 2023
		add("buyback", others[i%3], 50000, sources[(i/3)%3], yesterday.AddDate(0, 0, -i/9))
	}
	for i := range 67 { // resale, within the last 8 days
		add("resale", others[i%3], 70000, sources[(i/3)%3], yesterday.AddDate(0, 0, -i/9))
	}
	add("buyback", "Excellent", 99999, "ebay", now.AddDate(-1, 0, -1)) // older than the window
	add("resale", "Excellent", 99999, "ebay", now.AddDate(-1, 0, -1))
	rep, fe, err := e.api.RecordObservations(context.Background(), obs)
	require.NoError(t, err)
	require.Empty(t, fe)
	require.Equal(t, ObservationsReport{Recorded: 1249}, rep)

	r := e.do("GET", "/api/pricing?variant_id=var_iphone14pro_128_black&pricing_type=both", e.pricingKey, nil)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	var want map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(seed002Example)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&want))
	assert.Equal(t, want, r.Body)
}

func TestSeed002Shape(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now() // 2026-04-15T09:30:00Z
	for i, base := range []intake.Cents{67000, 66000, 65000} {
		require.NoError(t, e.api.RecordPrice(ctx, iphone13, now.AddDate(0, 0, 7*(i-2)), intake.PriceTableFromBase(base)))
	}

	r := e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=both", e.pricingKey, nil)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, true, r.Body["success"])
	assert.Equal(t, "2026-04-15T09:30:00Z", r.Body["timestamp"])
	d := r.data()
	assert.Equal(t, iphone13, d["variant_id"])
	assert.Equal(t, "Apple iPhone 13", d["device_name"])
	assert.Equal(t, "128GB Unlocked", d["variant_name"], "no colour in the catalog: the carrier")
	assert.Equal(t, "USD", d["currency"])

	buy := d["buyback"].(map[string]any)
	assert.Equal(t, map[string]any{"Excellent": cents(65000), "Good": cents(52000), "Fair": cents(39000), "Poor": cents(26000)}, buy["current"])
	assert.Equal(t, "aggregated", buy["source"])
	assert.Equal(t, "2026-04-15T09:30:00Z", buy["last_updated"])
	assert.NotContains(t, buy, "trend", "the seed gives buyback no trend")
	assert.NotContains(t, buy, "liquidity_score")
	assert.Equal(t, []any{
		map[string]any{"date": "2026-04-01", "value": cents(67000), "currency": "USD", "condition": "Excellent"},
		map[string]any{"date": "2026-04-08", "value": cents(66000), "currency": "USD", "condition": "Excellent"},
		map[string]any{"date": "2026-04-15", "value": cents(65000), "currency": "USD", "condition": "Excellent"},
	}, buy["historical"])

	// No resale observations: resale is buyback × 130%, history included,
	// and says so.
	res := d["resale"].(map[string]any)
	assert.Equal(t, map[string]any{"Excellent": cents(84500), "Good": cents(67600), "Fair": cents(50700), "Poor": cents(33800)}, res["current"])
	assert.Equal(t, "derived", res["source"])
	assert.Equal(t, cents(87100), res["historical"].([]any)[0].(map[string]any)["value"], "670.00 × 130%")
	assert.Equal(t, "falling", res["trend"], "871.00 → 845.00 is -2.98%")
	assert.Equal(t, json.Number("0"), res["liquidity_score"], "no resale observed")

	// 3 tables × 6 conditions; 18 / 500 × 50 = 1.8, + 30 (newest at now),
	// + 4 (one source: "recorded") = 35.8.
	assert.Equal(t, json.Number("18"), d["data_points"])
	assert.Equal(t, json.Number("36"), d["market_confidence"])

	// pricing_type picks sides, and data_points counts only theirs.
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=buyback", e.pricingKey, nil)
	assert.Contains(t, r.data(), "buyback")
	assert.NotContains(t, r.data(), "resale")
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=resale", e.pricingKey, nil)
	assert.NotContains(t, r.data(), "buyback")
	assert.Contains(t, r.data(), "resale")
	assert.Equal(t, json.Number("0"), r.data()["data_points"])
	assert.Equal(t, json.Number("0"), r.data()["market_confidence"])

	// condition and days narrow the history, and the trend with it.
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=resale&condition=good&days=10", e.pricingKey, nil)
	res = r.data()["resale"].(map[string]any)
	assert.Equal(t, []any{
		map[string]any{"date": "2026-04-08", "value": cents(68640), "currency": "USD", "condition": "Good"},
		map[string]any{"date": "2026-04-15", "value": cents(67600), "currency": "USD", "condition": "Good"},
	}, res["historical"], "Good × 130% of the last 10 days")
	assert.Equal(t, "stable", res["trend"], "686.40 → 676.00 is -1.5%")

	// Observed resale prices replace the derived ones.
	require.NoError(t, e.api.RecordResalePrice(ctx, iphone13, now.Add(-time.Hour), intake.PriceTableFromBase(85000)))
	require.NoError(t, e.api.RecordResalePrice(ctx, iphone13, now, intake.PriceTableFromBase(87000)))
	r = e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=resale", e.pricingKey, nil)
	res = r.data()["resale"].(map[string]any)
	assert.Equal(t, "aggregated", res["source"])
	assert.Equal(t, map[string]any{"Excellent": cents(87000), "Good": cents(69600), "Fair": cents(52200), "Poor": cents(34800)}, res["current"])
	assert.Equal(t, []any{map[string]any{"date": "2026-04-15", "value": cents(85000), "currency": "USD", "condition": "Excellent"}}, res["historical"],
		"one day: the lower median of 850.00 and 870.00")
	assert.Equal(t, "stable", res["trend"], "one point")
	assert.Equal(t, json.Number("12"), res["liquidity_score"], "2 tables × 6 conditions in 30 days")

	assert.ErrorIs(t, e.api.RecordPrice(ctx, "var_nope", now, intake.PriceTableFromBase(1)), ErrVariantNotFound)
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
	assert.Equal(t, []any{}, buy["historical"])
	res := r.data()["resale"].(map[string]any)
	assert.Equal(t, "derived", res["source"])
	assert.Equal(t, "stable", res["trend"])
	assert.Equal(t, json.Number("0"), res["liquidity_score"])
	assert.Equal(t, json.Number("0"), r.data()["data_points"])
	assert.Equal(t, json.Number("0"), r.data()["market_confidence"], "nothing observed, no confidence")
}

func TestTrend(t *testing.T) {
	pts := func(vals ...intake.Cents) []PricePoint {
		var out []PricePoint
		for _, v := range vals {
			out = append(out, PricePoint{Condition: "Excellent", Value: v})
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
		{"down 2%, whatever between", pts(10000, 12000, 9800), "falling"},
		{"down 1.99%", pts(10000, 9801), "stable"},
		{"from zero", pts(0, 9801), "stable"},
	} {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, trend(tt.points)) })
	}
}

func TestDailyMedians(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 4, d, h, 0, 0, 0, time.UTC) }
	row := func(at time.Time, c intake.Condition, v intake.Cents) hubdb.PriceRow {
		return hubdb.PriceRow{Condition: c, At: at, Cents: v, Source: "s"}
	}
	rows := []hubdb.PriceRow{
		row(day(1, 0), intake.ConditionGood, 400), row(day(1, 5), intake.ConditionGood, 100),
		row(day(1, 6), intake.ConditionExcellent, 9999), row(day(1, 23), intake.ConditionGood, 300), row(day(1, 23), intake.ConditionGood, 200),
		row(day(3, 1), intake.ConditionGood, 700), row(day(3, 2), intake.ConditionGood, 500), row(day(3, 3), intake.ConditionGood, 600),
	}
	assert.Equal(t, []PricePoint{
		{Date: "2026-04-01", Value: 200, Currency: "USD", Condition: "Good"}, // 100 200 300 400: the lower middle
		{Date: "2026-04-03", Value: 600, Currency: "USD", Condition: "Good"}, // 500 600 700
	}, dailyMedians(rows, intake.ConditionGood, 100))
	assert.Equal(t, []PricePoint{
		{Date: "2026-04-01", Value: 260, Currency: "USD", Condition: "Good"}, // 200 × 130%
		{Date: "2026-04-03", Value: 780, Currency: "USD", Condition: "Good"},
	}, dailyMedians(rows, intake.ConditionGood, 130))
	assert.Equal(t, []PricePoint{}, dailyMedians(rows, intake.ConditionPoor, 100))
}

// TestLiquidityScore counts resale observations of the 30 days up to the
// hub's clock, both ends included, whatever the days asked for.
func TestLiquidityScore(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	score := func(query string) any {
		t.Helper()
		r := e.do("GET", "/api/pricing?variant_id="+iphone13+"&pricing_type=resale"+query, e.pricingKey, nil)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		return r.data()["resale"].(map[string]any)["liquidity_score"]
	}
	good := intake.PriceTable{intake.ConditionGood: 50000}
	require.NoError(t, e.api.RecordResalePrice(ctx, iphone13, now.Add(-30*24*time.Hour-time.Millisecond), good))
	assert.Equal(t, json.Number("0"), score(""), "a ms older than 30 days")
	require.NoError(t, e.api.RecordResalePrice(ctx, iphone13, now.Add(-30*24*time.Hour), good))
	assert.Equal(t, json.Number("1"), score(""), "30 days to the ms")
	assert.Equal(t, json.Number("1"), score("&days=1"), "days narrows the history, not the liquidity")
	require.NoError(t, e.api.RecordResalePrice(ctx, iphone13, now, intake.PriceTableFromBase(80000)))
	assert.Equal(t, json.Number("7"), score(""), "and the 6 conditions of now")
	e.clock.Advance(time.Millisecond)
	assert.Equal(t, json.Number("6"), score(""), "the clock moves the window")
	for _, tt := range []struct{ recent, want int }{{0, 0}, {42, 42}, {100, 100}, {130, 100}} {
		assert.Equal(t, tt.want, liquidityScore(tt.recent), "%d observations", tt.recent)
	}
}

func TestMarketConfidence(t *testing.T) {
	now := time.Date(2026, 4, 15, 9, 30, 0, 0, time.UTC)
	// fig makes n data points from sources distinct sources, the newest
	// age before now.
	fig := func(n, sources int, age time.Duration) figures {
		f := figures{count: n, sources: map[string]bool{}, newest: now.Add(-age)}
		for i := range sources {
			f.sources[fmt.Sprint("s", i)] = true
		}
		return f
	}
	const day = 24 * time.Hour
	for _, tt := range []struct {
		name string
		fig  figures
		want int
	}{
		{"nothing observed", figures{}, 0},
		{"125 points, 6 days old, 2 sources: 12.5 + 24 + 8 = 44.5, halves up", fig(125, 2, 6*day), 45},
		{"1 point, 15 days old: 0.1 + 15 + 4 = 19.1", fig(1, 1, 15*day), 19},
		{"5 points, 30 days old: 0.5 + 0 + 4 = 4.5", fig(5, 1, 30*day), 5},
		{"250 points, 45 days old, 5 sources: 25 + 0 + 20", fig(250, 5, 45*day), 45},
		{"600 points, now, 7 sources: 50 + 30 + 20", fig(600, 7, 0), 100},
		{"seed 002's 1247 points, now, 3 sources: 50 + 30 + 12", fig(1247, 3, 0), 92},
	} {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, marketConfidence(tt.fig, now)) })
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
