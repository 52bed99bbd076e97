package hubdb

import (
	"context"
	"database/sql"
	"errors"
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

// SourceRecorded is the source of an observation recorded without one:
// those of RecordPrice with no Source, and those stored before
// observations had sources.
const SourceRecorded = "recorded"

// PriceObservation is a variant's table of one kind as observed at one
// time by one source. At is stored as unix ms.
type PriceObservation struct {
	At     time.Time
	Prices intake.PriceTable
	Source string // SourceRecorded when empty
}

// PriceRow is one observed price: one condition of one variant, of one
// kind, seen by one source at one time. Its key is everything but Cents.
type PriceRow struct {
	VariantID string
	Kind      PriceKind
	Condition intake.Condition
	At        time.Time // stored as unix ms
	Source    string
	Cents     intake.Cents
}

// RecordPrice stores an observation of a variant's prices, one row per
// condition. Recording a condition again from the same source at the same
// millisecond replaces its price: a corrected observation, not a second
// one.
func (tx *Tx) RecordPrice(ctx context.Context, variantID string, kind PriceKind, o PriceObservation) error {
	src := o.Source
	if src == "" {
		src = SourceRecorded
	}
	rows := make([]PriceRow, 0, len(o.Prices))
	for _, c := range slices.Sorted(maps.Keys(o.Prices)) {
		rows = append(rows, PriceRow{VariantID: variantID, Kind: kind, Condition: c, At: o.At, Source: src, Cents: o.Prices[c]})
	}
	return tx.RecordPriceRows(ctx, rows)
}

// RecordPriceRows stores observed prices; a row whose key is there
// replaces its price.
func (tx *Tx) RecordPriceRows(ctx context.Context, rows []PriceRow) error {
	for _, r := range rows {
		if r.Source == "" {
			return fmt.Errorf("record %s price of %s: no source", r.Kind, r.VariantID)
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO public_price_observations (variant_id, kind, condition, observed_at, source, cents)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (variant_id, kind, condition, observed_at, source) DO UPDATE SET cents = excluded.cents`,
			r.VariantID, string(r.Kind), r.Condition.String(), r.At.UnixMilli(), r.Source, int64(r.Cents)); err != nil {
			return fmt.Errorf("record %s price of %s: %w", r.Kind, r.VariantID, err)
		}
	}
	return nil
}

// PriceRowOf returns the price stored under r's key, and false if there is
// none: how an import tells a new row from one already there.
func (tx *Tx) PriceRowOf(ctx context.Context, r PriceRow) (intake.Cents, bool, error) {
	var cents int64
	err := tx.tx.QueryRowContext(ctx, `SELECT cents FROM public_price_observations
		WHERE variant_id = ? AND kind = ? AND condition = ? AND observed_at = ? AND source = ?`,
		r.VariantID, string(r.Kind), r.Condition.String(), r.At.UnixMilli(), r.Source).Scan(&cents)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read %s price of %s: %w", r.Kind, r.VariantID, err)
	}
	return intake.Cents(cents), true, nil
}

// CurrentPrices returns a variant's current table of kind at now, and
// false if nothing of kind was observed by then: each condition's price is
// its newest observation at or before now (the lower median of the
// sources' prices when several observed it at that same millisecond), and
// At is the newest of those times. A price observed for the future is not
// current until its time comes. One index seek a condition, however long
// the history.
func (tx *Tx) CurrentPrices(ctx context.Context, variantID string, kind PriceKind, now time.Time) (PriceObservation, bool, error) {
	what := fmt.Sprintf("current %s price of %s", kind, variantID)
	o := PriceObservation{Prices: intake.PriceTable{}}
	var newest int64
	for _, c := range intake.Conditions {
		rows, err := tx.tx.QueryContext(ctx, `
			SELECT observed_at, cents FROM public_price_observations
			WHERE variant_id = ? AND kind = ? AND condition = ? AND observed_at = (
				SELECT max(observed_at) FROM public_price_observations
				WHERE variant_id = ? AND kind = ? AND condition = ? AND observed_at <= ?)
			ORDER BY cents`,
			variantID, string(kind), c.String(), variantID, string(kind), c.String(), now.UnixMilli())
		if err != nil {
			return PriceObservation{}, false, fmt.Errorf("read %s: %w", what, err)
		}
		var prices []intake.Cents
		for rows.Next() {
			var ms, cents int64
			if err := rows.Scan(&ms, &cents); err != nil {
				rows.Close()
				return PriceObservation{}, false, fmt.Errorf("read %s: %w", what, err)
			}
			prices = append(prices, intake.Cents(cents))
			newest = max(newest, ms)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return PriceObservation{}, false, fmt.Errorf("read %s: %w", what, err)
		}
		if len(prices) > 0 {
			o.Prices[c] = prices[(len(prices)-1)/2] // sorted by the query
		}
	}
	if len(o.Prices) == 0 {
		return PriceObservation{}, false, nil
	}
	o.At = publicTime(newest)
	return o, true, nil
}

// PriceStats sums up a variant's observations of kind from since to
// until, both included.
type PriceStats struct {
	Count   int
	Sources []string  // distinct, in order
	Newest  time.Time // zero when Count is 0
}

// PriceStatsOf reads the PriceStats of a window from the index alone.
func (tx *Tx) PriceStatsOf(ctx context.Context, variantID string, kind PriceKind, since, until time.Time) (PriceStats, error) {
	what := fmt.Sprintf("%s price figures of %s", kind, variantID)
	var st PriceStats
	rows, err := tx.tx.QueryContext(ctx, `
		SELECT source, count(*), max(observed_at) FROM public_price_observations
		WHERE variant_id = ? AND kind = ? AND observed_at >= ? AND observed_at <= ?
		GROUP BY source ORDER BY source`, variantID, string(kind), since.UnixMilli(), until.UnixMilli())
	if err != nil {
		return st, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var newest int64
	for rows.Next() {
		var src string
		var n, ms int64
		if err := rows.Scan(&src, &n, &ms); err != nil {
			return st, fmt.Errorf("read %s: %w", what, err)
		}
		st.Sources = append(st.Sources, src)
		st.Count += int(n)
		newest = max(newest, ms)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("read %s: %w", what, err)
	}
	if st.Count > 0 {
		st.Newest = publicTime(newest)
	}
	return st, nil
}

// PriceRows returns a variant's observed prices of kind from since to
// until, both included, oldest first.
func (tx *Tx) PriceRows(ctx context.Context, variantID string, kind PriceKind, since, until time.Time) ([]PriceRow, error) {
	return tx.priceRows(ctx, variantID, kind, "", since, until)
}

// ConditionPriceRows is PriceRows of one condition.
func (tx *Tx) ConditionPriceRows(ctx context.Context, variantID string, kind PriceKind, c intake.Condition, since, until time.Time) ([]PriceRow, error) {
	return tx.priceRows(ctx, variantID, kind, c.String(), since, until)
}

// priceRows reads PriceRows of condition, or of every condition for "".
func (tx *Tx) priceRows(ctx context.Context, variantID string, kind PriceKind, condition string, since, until time.Time) ([]PriceRow, error) {
	what := fmt.Sprintf("%s price history of %s", kind, variantID)
	// Two statements rather than one with "? = '' OR": the planner seeks
	// the primary key only for a condition it is given.
	query, args := `SELECT condition, observed_at, source, cents FROM public_price_observations
		WHERE variant_id = ? AND kind = ? AND observed_at >= ? AND observed_at <= ?
		ORDER BY observed_at, condition, source`, []any{variantID, string(kind), since.UnixMilli(), until.UnixMilli()}
	if condition != "" {
		query, args = `SELECT condition, observed_at, source, cents FROM public_price_observations
		WHERE variant_id = ? AND kind = ? AND condition = ? AND observed_at >= ? AND observed_at <= ?
		ORDER BY observed_at, source`, []any{variantID, string(kind), condition, since.UnixMilli(), until.UnixMilli()}
	}
	rows, err := tx.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []PriceRow
	for rows.Next() {
		r := PriceRow{VariantID: variantID, Kind: kind}
		var name string
		var ms, cents int64
		if err := rows.Scan(&name, &ms, &r.Source, &cents); err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		if r.Condition, err = intake.ParseCondition(name); err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		r.At, r.Cents = publicTime(ms), intake.Cents(cents)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, nil
}
