package public

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// Seed 002's figures come from price observations by these formulas
// (README, "Market prices"). Each is a function of the observations and
// the hub's clock, so a test states them as literals.
const (
	// TrendThresholdBasisPoints: a history whose last point is this much
	// above its first (in hundredths of a percent) is rising, this much
	// below falling.
	TrendThresholdBasisPoints = 200
	// LiquidityWindow is how far back liquidity_score counts resale
	// observations, whatever the days asked for.
	LiquidityWindow = 30 * 24 * time.Hour
	// LiquidityFull resale observations in LiquidityWindow score 100.
	LiquidityFull = 100
	// ConfidenceFullVolume data points give market_confidence's volume
	// part in full (50).
	ConfidenceFullVolume = 500
	// ConfidenceFreshFor is how long the newest observation keeps any of
	// the recency part (30, falling linearly to 0).
	ConfidenceFreshFor = 30 * 24 * time.Hour
	// ConfidenceFullSources distinct sources give the sources part in
	// full (20).
	ConfidenceFullSources = 5
)

// RecordPrice appends a buyback price observation for a variant, of source
// hubdb.SourceRecorded. Each condition's newest observation at or before
// now is its current buyback price everywhere: seed 000 lookups, new
// quote items and seed 002.
func (a *API) RecordPrice(ctx context.Context, variantID string, at time.Time, table intake.PriceTable) error {
	return a.record(ctx, hubdb.PriceBuyback, variantID, at, table)
}

// RecordResalePrice appends a resale price observation for a variant.
// Until one is recorded, resale prices come from the catalog or are
// derived from buyback.
func (a *API) RecordResalePrice(ctx context.Context, variantID string, at time.Time, table intake.PriceTable) error {
	return a.record(ctx, hubdb.PriceResale, variantID, at, table)
}

func (a *API) record(ctx context.Context, kind hubdb.PriceKind, variantID string, at time.Time, table intake.PriceTable) error {
	if _, err := a.cat.ByID(ctx, variantID); err != nil {
		return fmt.Errorf("record %s price: %w", kind, err)
	}
	if len(table) == 0 {
		return fmt.Errorf("record %s price for %s: empty price table", kind, variantID)
	}
	for c, p := range table {
		if c == intake.ConditionUnknown || p < 0 {
			return fmt.Errorf("record %s price for %s: invalid entry %s = %s", kind, variantID, c, p)
		}
	}
	return a.db.InTx(ctx, func(tx *hubdb.Tx) error {
		return tx.RecordPrice(ctx, variantID, kind, hubdb.PriceObservation{At: at, Prices: table})
	})
}

// loadCurrent loads a variant's current prices of kind at now.
func loadCurrent(ctx context.Context, tx *hubdb.Tx, v Variant, kind hubdb.PriceKind, now time.Time) (currentPrices, error) {
	recorded := map[hubdb.PriceKind]hubdb.PriceObservation{}
	kinds := []hubdb.PriceKind{kind}
	if kind == hubdb.PriceResale {
		kinds = append(kinds, hubdb.PriceBuyback) // resale may derive from it
	}
	for _, k := range kinds {
		o, ok, err := tx.CurrentPrices(ctx, v.ID, k, now)
		if err != nil {
			return currentPrices{}, err
		}
		if ok {
			recorded[k] = o
		}
	}
	return pickCurrent(v, kind, recorded), nil
}

// PricePoint is one historical price of seed 002: the lower median of one
// condition's observations on one UTC day.
type PricePoint struct {
	Date      string       `json:"date"` // YYYY-MM-DD, UTC
	Value     intake.Cents `json:"value"`
	Currency  string       `json:"currency"`
	Condition string       `json:"condition"`
}

// PriceSide is seed 002's buyback or resale block; prices in cents. As in
// the seed, only resale has a trend and a liquidity score.
type PriceSide struct {
	Current        map[string]intake.Cents `json:"current"`
	Historical     []PricePoint            `json:"historical"`
	Trend          string                  `json:"trend,omitempty"`
	LiquidityScore *int                    `json:"liquidity_score,omitempty"`
	LastUpdated    *string                 `json:"last_updated"` // null until a price is observed
	// Source is "aggregated" (observations), "catalog" (none yet) or, for
	// resale only, "derived" (buyback × ResaleMarkupPercent: no resale
	// observation and no catalog resale price).
	Source string `json:"source"`
}

// VariantPricing is seed 002's VariantPricing.
type VariantPricing struct {
	VariantID        string     `json:"variant_id"`
	DeviceName       string     `json:"device_name"`
	VariantName      string     `json:"variant_name"`
	Buyback          *PriceSide `json:"buyback,omitempty"`
	Resale           *PriceSide `json:"resale,omitempty"`
	MarketConfidence int        `json:"market_confidence"` // see marketConfidence
	DataPoints       int        `json:"data_points"`       // observations of the sides returned in the window
	Currency         string     `json:"currency"`
}

type pricingBody struct {
	Success   bool           `json:"success"`
	Data      VariantPricing `json:"data"`
	Timestamp string         `json:"timestamp"`
}

const defaultHistoryDays = 365

// pricingQuery is a decoded seed 002 query.
type pricingQuery struct {
	variantID string
	kinds     []hubdb.PriceKind // the sides asked for, buyback first
	condition intake.Condition  // of the history and trend
	days      int
}

// seed002Conditions are the conditions seed 002 reports, in its order.
var seed002Conditions = []intake.Condition{intake.ConditionExcellent, intake.ConditionGood, intake.ConditionFair, intake.ConditionPoor}

func decodePricingQuery(q url.Values) (pricingQuery, httpx.FieldErrors) {
	var fe httpx.FieldErrors
	pq := pricingQuery{variantID: strings.TrimSpace(q.Get("variant_id")), days: defaultHistoryDays, condition: intake.ConditionExcellent}
	if pq.variantID == "" {
		fe.Add("variant_id", "required", "Missing required variant_id parameter")
	}
	switch ptype := q.Get("pricing_type"); ptype {
	case "", "both":
		pq.kinds = []hubdb.PriceKind{hubdb.PriceBuyback, hubdb.PriceResale}
	case string(hubdb.PriceBuyback), string(hubdb.PriceResale):
		pq.kinds = []hubdb.PriceKind{hubdb.PriceKind(ptype)}
	default:
		addf(&fe, "pricing_type", "invalid_choice", "pricing_type must be buyback, resale or both, not %q", ptype)
	}
	if c := q.Get("condition"); c != "" {
		if sc, ok := seed002Condition(c); ok {
			pq.condition = sc
		} else {
			addf(&fe, "condition", "invalid_choice", "condition must be Excellent, Good, Fair or Poor, not %q", c)
		}
	}
	if d := q.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3650 {
			addf(&fe, "days", "out_of_range", "days must be a whole number from 1 to 3650, not %q", d)
		}
		pq.days = n
	}
	return pq, fe
}

// seed002Condition reads a seed 002 condition label, in any case.
func seed002Condition(s string) (intake.Condition, bool) {
	for _, c := range seed002Conditions {
		if strings.EqualFold(s, intake.Seed002Label(c)) {
			return c, true
		}
	}
	return intake.ConditionUnknown, false
}

// handlePricing serves seed 002. Beyond the seed, which lists condition
// and days as "not currently implemented", condition picks the history's
// condition (Excellent, Good, Fair or Poor; Excellent by default, as the
// seed's example shows) and days sets its window (1-3650, default 365).
func (a *API) handlePricing(w http.ResponseWriter, r *http.Request) {
	pq, fe := decodePricingQuery(r.URL.Query())
	if len(fe) > 0 {
		fe.Write(w)
		return
	}
	ctx := r.Context()
	v, err := a.cat.ByID(ctx, pq.variantID)
	if errors.Is(err, ErrVariantNotFound) {
		httpx.WriteError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("variant %q not found", pq.variantID))
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	now := a.now().UTC()
	out := VariantPricing{VariantID: v.ID, DeviceName: v.Make + " " + v.Model, VariantName: variantName(v), Currency: "USD"}
	var counted figures
	err = a.db.View(ctx, func(tx *hubdb.Tx) error {
		for _, kind := range pq.kinds {
			side, st, err := loadSide(ctx, tx, v, kind, now, pq)
			if err != nil {
				return err
			}
			counted.add(st)
			if kind == hubdb.PriceBuyback {
				out.Buyback = side
			} else {
				out.Resale = side
			}
		}
		return nil
	})
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out.DataPoints = counted.count
	out.MarketConfidence = marketConfidence(counted, now)
	httpx.WriteJSON(w, http.StatusOK, pricingBody{Success: true, Data: out, Timestamp: now.Format(time.RFC3339)})
}

// variantName is seed 002's variant_name: storage and colour ("128GB Space
// Black") where the catalog has a colour, else storage and carrier.
func variantName(v Variant) string {
	if v.Colour != "" {
		return v.Storage + " " + v.Colour
	}
	return v.Storage + " " + v.Carrier
}

// figures are what market_confidence weighs: the data points of the
// sides returned, their sources and the newest.
type figures struct {
	count   int
	sources map[string]bool
	newest  time.Time // zero: no data point
}

func (f *figures) add(st hubdb.PriceStats) {
	f.count += st.Count
	if f.sources == nil {
		f.sources = map[string]bool{}
	}
	for _, s := range st.Sources {
		f.sources[s] = true
	}
	if st.Newest.After(f.newest) {
		f.newest = st.Newest
	}
}

// loadSide loads one side of seed 002's answer, with the figures of the
// side's own observations in the query's window.
func loadSide(ctx context.Context, tx *hubdb.Tx, v Variant, kind hubdb.PriceKind, now time.Time, pq pricingQuery) (*PriceSide, hubdb.PriceStats, error) {
	var st hubdb.PriceStats
	cur, err := loadCurrent(ctx, tx, v, kind, now)
	if err != nil {
		return nil, st, err
	}
	side := &PriceSide{Current: cur.table.Seed002(), Source: cur.source}
	if cur.at != nil {
		s := cur.at.Format(time.RFC3339)
		side.LastUpdated = &s
	}
	since := now.AddDate(0, 0, -pq.days)
	if st, err = tx.PriceStatsOf(ctx, v.ID, kind, since, now); err != nil {
		return nil, st, err
	}
	histKind, percent := kind, int64(100)
	if cur.source == SourceDerived {
		// No resale observed: the history is the buyback history marked up.
		histKind, percent = hubdb.PriceBuyback, ResaleMarkupPercent
	}
	hist, err := tx.ConditionPriceRows(ctx, v.ID, histKind, pq.condition, since, now)
	if err != nil {
		return nil, st, err
	}
	side.Historical = dailyMedians(hist, pq.condition, percent)
	if kind == hubdb.PriceResale {
		side.Trend = trend(side.Historical)
		recent, err := tx.PriceStatsOf(ctx, v.ID, kind, now.Add(-LiquidityWindow), now)
		if err != nil {
			return nil, st, err
		}
		score := liquidityScore(recent.Count)
		side.LiquidityScore = &score
	}
	return side, st, nil
}

// dailyMedians is seed 002's history of condition c: for each UTC day with
// an observation of c, the lower median of that day's prices (from every
// source), scaled to percent of itself; oldest first.
func dailyMedians(rows []hubdb.PriceRow, c intake.Condition, percent int64) []PricePoint {
	out := []PricePoint{}
	var day string
	var prices []intake.Cents
	flush := func() {
		if len(prices) > 0 {
			out = append(out, PricePoint{Date: day, Value: lowerMedian(prices).Percent(percent), Currency: "USD", Condition: intake.Seed002Label(c)})
		}
		prices = prices[:0]
	}
	for _, r := range rows {
		if r.Condition != c {
			continue
		}
		if d := r.At.UTC().Format(time.DateOnly); d != day {
			flush()
			day = d
		}
		prices = append(prices, r.Cents)
	}
	flush()
	return out
}

// lowerMedian is the middle price, or the lower of the two middle ones.
func lowerMedian(ps []intake.Cents) intake.Cents {
	s := slices.Sorted(slices.Values(ps))
	return s[(len(s)-1)/2]
}

// trend compares the history's last point with its first: up by
// TrendThresholdBasisPoints or more is "rising", down by as much
// "falling", anything else (or fewer than two points) "stable".
func trend(points []PricePoint) string {
	if len(points) < 2 || points[0].Value <= 0 {
		return "stable"
	}
	first, last := int64(points[0].Value), int64(points[len(points)-1].Value)
	// Integer arithmetic: the change in basis points of the first price.
	switch change := (last - first) * 10000 / first; {
	case change >= TrendThresholdBasisPoints:
		return "rising"
	case change <= -TrendThresholdBasisPoints:
		return "falling"
	}
	return "stable"
}

// liquidityScore is how readily the variant resells: one point per resale
// observation in the LiquidityWindow up to now (both ends included), at
// most 100 at LiquidityFull.
func liquidityScore(recent int) int { return min(100, recent*100/LiquidityFull) }

// marketConfidence (0-100) is how far seed 002's prices can be trusted,
// the sum of three parts rounded to the nearest whole number (halves up):
// volume, 50 × min(1, data points / ConfidenceFullVolume); recency, 30 ×
// max(0, 1 − age of the newest data point / ConfidenceFreshFor); and
// agreement of several sources, 20 × min(1, distinct sources /
// ConfidenceFullSources). No data point: 0.
func marketConfidence(f figures, now time.Time) int {
	if f.count == 0 {
		return 0
	}
	// Exact integer arithmetic over the common denominator
	// V·F·S (about 6.5e12 with F in ms): no float rounds a half the wrong
	// way.
	v, fresh, s := int64(ConfidenceFullVolume), ConfidenceFreshFor.Milliseconds(), int64(ConfidenceFullSources)
	age := min(fresh, max(0, now.Sub(f.newest).Milliseconds()))
	sum := 50*int64(min(f.count, ConfidenceFullVolume))*fresh*s + 30*(fresh-age)*v*s + 20*int64(min(len(f.sources), ConfidenceFullSources))*v*fresh
	d := v * fresh * s
	return int((2*sum + d) / (2 * d))
}
