package public

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
)

type priceKind string

const (
	kindBuyback priceKind = "buyback"
	kindResale  priceKind = "resale"
)

// Where a side's current prices come from.
const (
	SourceRecorded = "recorded" // the newest RecordPrice / RecordResalePrice
	SourceCatalog  = "catalog"  // the catalog's table, nothing recorded yet
	SourceDerived  = "derived"  // resale = buyback × ResaleMarkupPercent
)

// RecordPrice appends a buyback price observation for a variant. The
// newest observation at or before now is the variant's current buyback
// price everywhere: seed 000 lookups, new quote items and seed 002.
func (a *API) RecordPrice(ctx context.Context, variantID string, at time.Time, table intake.PriceTable) error {
	return a.record(ctx, kindBuyback, variantID, at, table)
}

// RecordResalePrice appends a resale price observation for a variant.
// Until one is recorded, resale prices come from the catalog or are
// derived from buyback.
func (a *API) RecordResalePrice(ctx context.Context, variantID string, at time.Time, table intake.PriceTable) error {
	return a.record(ctx, kindResale, variantID, at, table)
}

func (a *API) record(ctx context.Context, kind priceKind, variantID string, at time.Time, table intake.PriceTable) error {
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
	return a.inTx(ctx, func(tx *sql.Tx) error {
		for c, p := range table {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO public_price_history(variant_id, kind, recorded_at, condition, cents) VALUES (?, ?, ?, ?, ?)`,
				variantID, string(kind), at.UnixMilli(), c.String(), int64(p)); err != nil {
				return fmt.Errorf("record %s price for %s: %w", kind, variantID, err)
			}
		}
		return nil
	})
}

// currentTable is the variant's current table of a kind.
func (a *API) currentTable(ctx context.Context, v Variant, kind priceKind) (intake.PriceTable, *time.Time, error) {
	t, at, _, err := a.current(ctx, v, kind)
	return t, at, err
}

func (a *API) current(ctx context.Context, v Variant, kind priceKind) (intake.PriceTable, *time.Time, string, error) {
	rows, err := a.db.QueryContext(ctx, `
		SELECT recorded_at, condition, cents FROM public_price_history
		WHERE variant_id = ? AND kind = ? AND recorded_at = (
			SELECT MAX(recorded_at) FROM public_price_history WHERE variant_id = ? AND kind = ? AND recorded_at <= ?)`,
		v.ID, string(kind), v.ID, string(kind), a.now().UnixMilli())
	if err != nil {
		return nil, nil, "", fmt.Errorf("current %s price of %s: %w", kind, v.ID, err)
	}
	defer rows.Close()
	table := intake.PriceTable{}
	var at *time.Time
	for rows.Next() {
		var ms, cents int64
		var cond string
		if err := rows.Scan(&ms, &cond, &cents); err != nil {
			return nil, nil, "", fmt.Errorf("current %s price of %s: %w", kind, v.ID, err)
		}
		c, err := intake.ParseCondition(cond)
		if err != nil {
			return nil, nil, "", fmt.Errorf("current %s price of %s: %w", kind, v.ID, err)
		}
		table[c] = intake.Cents(cents)
		t := time.UnixMilli(ms).UTC()
		at = &t
	}
	if err := rows.Err(); err != nil {
		return nil, nil, "", fmt.Errorf("current %s price of %s: %w", kind, v.ID, err)
	}
	rows.Close() // before the nested query below: the hub may run a one-connection pool
	switch {
	case at != nil:
		return table, at, SourceRecorded, nil
	case kind == kindBuyback:
		return v.Buyback, nil, SourceCatalog, nil
	case v.Resale != nil:
		return v.Resale, nil, SourceCatalog, nil
	}
	buy, at, _, err := a.current(ctx, v, kindBuyback)
	if err != nil {
		return nil, nil, "", err
	}
	return deriveResale(buy), at, SourceDerived, nil
}

// PricePoint is one historical price of seed 002.
type PricePoint struct {
	Date      string       `json:"date"` // YYYY-MM-DD, UTC
	Value     intake.Cents `json:"value"`
	Currency  string       `json:"currency"`
	Condition string       `json:"condition"`
	at        time.Time
}

// PriceSide is seed 002's buyback or resale block; prices in cents.
type PriceSide struct {
	Current    map[string]intake.Cents `json:"current"`
	Historical []PricePoint            `json:"historical"`
	// Trend compares the first and last Excellent price in the window (or
	// of the condition asked for):
	// up by 2% or more is "rising", down by 2% or more "falling", anything
	// else (or fewer than two points) "stable".
	Trend       string  `json:"trend"`
	LastUpdated *string `json:"last_updated"` // null until a price is recorded
	Source      string  `json:"source"`
}

// VariantPricing is seed 002's VariantPricing.
type VariantPricing struct {
	VariantID   string     `json:"variant_id"`
	DeviceName  string     `json:"device_name"`
	VariantName string     `json:"variant_name"`
	Buyback     *PriceSide `json:"buyback,omitempty"`
	Resale      *PriceSide `json:"resale,omitempty"`
	// MarketConfidence is 50 + 5 per distinct observation time in the
	// returned history, at most 95: a catalog price nobody re-observed is
	// a coin toss, a price seen every week for months is solid.
	MarketConfidence int    `json:"market_confidence"`
	DataPoints       int    `json:"data_points"` // historical entries returned
	Currency         string `json:"currency"`
}

type pricingBody struct {
	Success   bool           `json:"success"`
	Data      VariantPricing `json:"data"`
	Timestamp string         `json:"timestamp"`
}

// seed002Conditions are the conditions seed 002 reports, in its order.
var seed002Conditions = []intake.Condition{intake.ConditionExcellent, intake.ConditionGood, intake.ConditionFair, intake.ConditionPoor}

const defaultHistoryDays = 365

// handlePricing serves seed 002. Beyond the seed, which lists condition
// and days as "not currently implemented", condition filters the history
// (Excellent, Good, Fair or Poor) and days sets its window (1-3650,
// default 365).
func (a *API) handlePricing(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var ve validationErrors
	variantID := strings.TrimSpace(q.Get("variant_id"))
	if variantID == "" {
		ve.add("variant_id", "required", "Missing required variant_id parameter")
	}
	ptype := q.Get("pricing_type")
	switch ptype {
	case "":
		ptype = "both"
	case "buyback", "resale", "both":
	default:
		ve.add("pricing_type", "invalid_choice", "pricing_type must be buyback, resale or both, not %q", ptype)
	}
	condFilter := ""
	if c := q.Get("condition"); c != "" {
		for _, sc := range seed002Conditions {
			if strings.EqualFold(c, intake.Seed002Label(sc)) {
				condFilter = intake.Seed002Label(sc)
			}
		}
		if condFilter == "" {
			ve.add("condition", "invalid_choice", "condition must be Excellent, Good, Fair or Poor, not %q", c)
		}
	}
	days := defaultHistoryDays
	if d := q.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3650 {
			ve.add("days", "out_of_range", "days must be a whole number from 1 to 3650, not %q", d)
		}
		days = n
	}
	if len(ve) > 0 {
		ve.write(w)
		return
	}
	ctx := r.Context()
	v, err := a.cat.ByID(ctx, variantID)
	if errors.Is(err, ErrVariantNotFound) {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("variant %q not found", variantID))
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	now := a.now().UTC()
	since := now.AddDate(0, 0, -days)
	out := VariantPricing{
		VariantID: v.ID, DeviceName: v.Make + " " + v.Model, VariantName: v.Storage + " " + v.Carrier, Currency: "USD",
	}
	observations := map[time.Time]bool{}
	for _, kind := range []priceKind{kindBuyback, kindResale} {
		if ptype != "both" && ptype != string(kind) {
			continue
		}
		side, err := a.side(ctx, v, kind, since, condFilter)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		for _, p := range side.Historical {
			observations[p.at] = true
		}
		out.DataPoints += len(side.Historical)
		if kind == kindBuyback {
			out.Buyback = side
		} else {
			out.Resale = side
		}
	}
	out.MarketConfidence = min(95, 50+5*len(observations))
	writeJSON(w, http.StatusOK, pricingBody{Success: true, Data: out, Timestamp: now.Format(time.RFC3339)})
}

func (a *API) side(ctx context.Context, v Variant, kind priceKind, since time.Time, condFilter string) (*PriceSide, error) {
	table, at, source, err := a.current(ctx, v, kind)
	if err != nil {
		return nil, err
	}
	side := &PriceSide{Current: table.Seed002(), Source: source, Historical: []PricePoint{}}
	if at != nil {
		s := at.Format(time.RFC3339)
		side.LastUpdated = &s
	}
	histKind, factor := kind, int64(100)
	if kind == kindResale && source == SourceDerived {
		// No resale observations: the history is the buyback history marked up.
		histKind, factor = kindBuyback, ResaleMarkupPercent
	}
	if side.Historical, err = a.history(ctx, v.ID, histKind, since, condFilter, factor); err != nil {
		return nil, err
	}
	side.Trend = trend(side.Historical)
	return side, nil
}

func (a *API) history(ctx context.Context, variantID string, kind priceKind, since time.Time, condFilter string, percent int64) ([]PricePoint, error) {
	rows, err := a.db.QueryContext(ctx, `
		SELECT recorded_at, condition, cents FROM public_price_history
		WHERE variant_id = ? AND kind = ? AND recorded_at >= ? AND recorded_at <= ?
		ORDER BY recorded_at`, variantID, string(kind), since.UnixMilli(), a.now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("%s history of %s: %w", kind, variantID, err)
	}
	defer rows.Close()
	byTime := map[int64]map[intake.Condition]intake.Cents{}
	var order []int64
	for rows.Next() {
		var ms, cents int64
		var name string
		if err := rows.Scan(&ms, &name, &cents); err != nil {
			return nil, fmt.Errorf("%s history of %s: %w", kind, variantID, err)
		}
		c, err := intake.ParseCondition(name)
		if err != nil {
			return nil, fmt.Errorf("%s history of %s: %w", kind, variantID, err)
		}
		if byTime[ms] == nil {
			byTime[ms] = map[intake.Condition]intake.Cents{}
			order = append(order, ms)
		}
		byTime[ms][c] = intake.Cents(cents).Percent(percent)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s history of %s: %w", kind, variantID, err)
	}
	out := []PricePoint{}
	for _, ms := range order {
		t := time.UnixMilli(ms).UTC()
		for _, c := range seed002Conditions {
			label := intake.Seed002Label(c)
			p, ok := byTime[ms][c]
			if !ok || (condFilter != "" && label != condFilter) {
				continue
			}
			out = append(out, PricePoint{Date: t.Format(time.DateOnly), Value: p, Currency: "USD", Condition: label, at: t})
		}
	}
	return out, nil
}

func trend(points []PricePoint) string {
	if len(points) == 0 {
		return "stable"
	}
	// Excellent unless the history was filtered to another condition.
	label := points[0].Condition
	var first, last intake.Cents
	n := 0
	for _, p := range points {
		if p.Condition != label {
			continue
		}
		if n == 0 {
			first = p.Value
		}
		last = p.Value
		n++
	}
	if n < 2 || first <= 0 {
		return "stable"
	}
	// Integer arithmetic: change in basis points of the first price.
	change := (int64(last) - int64(first)) * 10000 / int64(first)
	switch {
	case change >= 200:
		return "rising"
	case change <= -200:
		return "falling"
	}
	return "stable"
}
