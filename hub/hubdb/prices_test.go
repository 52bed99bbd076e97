package hubdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// undoPriceObservations takes public migration 0003 back out of a file.
var undoPriceObservations = []string{
	`DROP TABLE public_price_observations`,
	`CREATE TABLE public_price_history (variant_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('buyback', 'resale')),
		recorded_at INTEGER NOT NULL, condition TEXT NOT NULL, cents INTEGER NOT NULL CHECK (cents >= 0),
		PRIMARY KEY (variant_id, kind, recorded_at, condition))`,
}

// Prices recorded before observations had sources keep their prices,
// times and conditions, as source "recorded".
func TestMigrationKeepsRecordedPrices(t *testing.T) {
	ctx := context.Background()
	path, raw := closedHubFile(t)
	exec(t, raw, undoPriceObservations...)
	exec(t, raw, `DELETE FROM schema_migrations WHERE component = 'public' AND version = 3`,
		`INSERT INTO public_price_history VALUES ('var_iphone13_128_unlocked', 'buyback', 1705314600000, 'excellent', 65000),
			('var_iphone13_128_unlocked', 'buyback', 1705314600000, 'good', 55000),
			('var_iphone13_128_unlocked', 'resale', 1704105000000, 'excellent', 87000)`)
	db, err := hubdb.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	var buy, sell []hubdb.PriceRow
	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) (err error) {
		since, until := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 16, 0, 0, 0, 0, time.UTC)
		if buy, err = tx.PriceRows(ctx, "var_iphone13_128_unlocked", hubdb.PriceBuyback, since, until); err != nil {
			return err
		}
		sell, err = tx.PriceRows(ctx, "var_iphone13_128_unlocked", hubdb.PriceResale, since, until)
		return err
	}))
	jan15 := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	assert.Equal(t, []hubdb.PriceRow{
		{VariantID: "var_iphone13_128_unlocked", Kind: hubdb.PriceBuyback, Condition: intake.ConditionExcellent, At: jan15, Source: "recorded", Cents: 65000},
		{VariantID: "var_iphone13_128_unlocked", Kind: hubdb.PriceBuyback, Condition: intake.ConditionGood, At: jan15, Source: "recorded", Cents: 55000},
	}, buy)
	assert.Equal(t, []hubdb.PriceRow{
		{VariantID: "var_iphone13_128_unlocked", Kind: hubdb.PriceResale, Condition: intake.ConditionExcellent,
			At: time.Date(2024, 1, 1, 10, 30, 0, 0, time.UTC), Source: "recorded", Cents: 87000},
	}, sell)
}
