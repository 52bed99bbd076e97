package public

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// RecordPrice appends a buyback price observation for a variant. The
// newest observation at or before now is the variant's current buyback
// price everywhere: seed 000 lookups, new quote items and seed 002.
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
	// returned history, at most 95.
	MarketConfidence int    `json:"market_confidence"`
	DataPoints       int    `json:"data_points"` // historical entries returned
	Currency         string `json:"currency"`
}

type pricingBody struct {
	Success   bool           `json:"success"`
	Data      VariantPricing `json:"data"`
	Timestamp string         `json:"timestamp"`
}

const defaultHistoryDays = 365

// pricingQuery is a decoded seed 002 query.
type pricingQuery struct {
	variantID  string
	kinds      []hubdb.PriceKind // the sides asked for, buyback first
	condFilter string            // a seed 002 label, or "" for all
	days       int
}

func decodePricingQuery(q url.Values) (pricingQuery, httpx.FieldErrors) {
	var fe httpx.FieldErrors
	pq := pricingQuery{variantID: strings.TrimSpace(q.Get("variant_id")), days: defaultHistoryDays}
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
		for _, sc := range seed002Conditions {
			if strings.EqualFold(c, intake.Seed002Label(sc)) {
				pq.condFilter = intake.Seed002Label(sc)
			}
		}
		if pq.condFilter == "" {
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

// handlePricing serves seed 002. Beyond the seed, which lists condition
// and days as "not currently implemented", condition filters the history
// (Excellent, Good, Fair or Poor) and days sets its window (1-3650,
// default 365).
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
	out := VariantPricing{
		VariantID: v.ID, DeviceName: v.Make + " " + v.Model, VariantName: v.Storage + " " + v.Carrier, Currency: "USD",
	}
	observations := map[time.Time]bool{}
	err = a.db.View(ctx, func(tx *hubdb.Tx) error {
		for _, kind := range pq.kinds {
			side, err := loadSide(ctx, tx, v, kind, now, pq)
			if err != nil {
				return err
			}
			for _, p := range side.Historical {
				observations[p.at] = true
			}
			out.DataPoints += len(side.Historical)
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
	out.MarketConfidence = marketConfidence(len(observations))
	httpx.WriteJSON(w, http.StatusOK, pricingBody{Success: true, Data: out, Timestamp: now.Format(time.RFC3339)})
}

// loadSide loads one side of seed 002's answer: the current prices and the
// history of the query's window up to now.
func loadSide(ctx context.Context, tx *hubdb.Tx, v Variant, kind hubdb.PriceKind, now time.Time, pq pricingQuery) (*PriceSide, error) {
	cur, err := loadCurrent(ctx, tx, v, kind, now)
	if err != nil {
		return nil, err
	}
	side := &PriceSide{Current: cur.table.Seed002(), Source: cur.source}
	if cur.at != nil {
		s := cur.at.Format(time.RFC3339)
		side.LastUpdated = &s
	}
	histKind, percent := kind, int64(100)
	if cur.source == SourceDerived {
		// No resale observations: the history is the buyback history marked up.
		histKind, percent = hubdb.PriceBuyback, ResaleMarkupPercent
	}
	obs, err := tx.PriceHistory(ctx, v.ID, histKind, now.AddDate(0, 0, -pq.days), now)
	if err != nil {
		return nil, err
	}
	side.Historical = historyPoints(obs, percent, pq.condFilter)
	side.Trend = trend(side.Historical)
	return side, nil
}
