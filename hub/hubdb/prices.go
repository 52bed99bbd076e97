package hubdb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// PriceKind is which side of the trade a recorded price is.
type PriceKind string

// The kinds of recorded prices.
const (
	PriceBuyback PriceKind = "buyback" // what the hub pays a seller
	PriceResale  PriceKind = "resale"  // what the hub sells for
)

// PriceObservation is a variant's table of one kind as observed at one
// time. At is stored as unix ms.
type PriceObservation struct {
	At     time.Time
	Prices intake.PriceTable
}

// RecordPrice stores an observation of a variant's prices, one row per
// condition. Recording a condition again at the same millisecond replaces
// its price: a corrected observation, not a second one.
func (tx *Tx) RecordPrice(ctx context.Context, variantID string, kind PriceKind, o PriceObservation) error {
	for _, c := range slices.Sorted(maps.Keys(o.Prices)) {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO public_price_history (variant_id, kind, recorded_at, condition, cents)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (variant_id, kind, recorded_at, condition) DO UPDATE SET cents = excluded.cents`,
			variantID, string(kind), o.At.UnixMilli(), c.String(), int64(o.Prices[c])); err != nil {
			return fmt.Errorf("record %s price of %s: %w", kind, variantID, err)
		}
	}
	return nil
}

// CurrentPrices returns a variant's newest observation of kind at or
// before now, and false if there is none: a price recorded for the future
// is not current until its time comes.
func (tx *Tx) CurrentPrices(ctx context.Context, variantID string, kind PriceKind, now time.Time) (PriceObservation, bool, error) {
	obs, err := tx.observations(ctx, fmt.Sprintf("current %s price of %s", kind, variantID), `
		SELECT recorded_at, condition, cents FROM public_price_history
		WHERE variant_id = ? AND kind = ? AND recorded_at = (
			SELECT max(recorded_at) FROM public_price_history WHERE variant_id = ? AND kind = ? AND recorded_at <= ?)`,
		variantID, string(kind), variantID, string(kind), now.UnixMilli())
	if err != nil || len(obs) == 0 {
		return PriceObservation{}, false, err
	}
	return obs[0], true, nil
}

// PriceHistory returns a variant's observations of kind from since to
// until, both included, oldest first.
func (tx *Tx) PriceHistory(ctx context.Context, variantID string, kind PriceKind, since, until time.Time) ([]PriceObservation, error) {
	return tx.observations(ctx, fmt.Sprintf("%s price history of %s", kind, variantID), `
		SELECT recorded_at, condition, cents FROM public_price_history
		WHERE variant_id = ? AND kind = ? AND recorded_at >= ? AND recorded_at <= ?
		ORDER BY recorded_at`, variantID, string(kind), since.UnixMilli(), until.UnixMilli())
}

// observations runs a query of (recorded_at, condition, cents) rows
// ordered by recorded_at and groups them by time.
func (tx *Tx) observations(ctx context.Context, what, query string, args ...any) ([]PriceObservation, error) {
	rows, err := tx.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []PriceObservation
	for rows.Next() {
		var ms, cents int64
		var name string
		if err := rows.Scan(&ms, &name, &cents); err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		c, err := intake.ParseCondition(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		if len(out) == 0 || out[len(out)-1].At.UnixMilli() != ms {
			out = append(out, PriceObservation{At: publicTime(ms), Prices: intake.PriceTable{}})
		}
		out[len(out)-1].Prices[c] = intake.Cents(cents)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, nil
}
