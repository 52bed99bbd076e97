package imports_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/intake"
)

// A prices row with a source is a market observation for seed 002: kept
// in the price history under its variant's seed 002 id, the catalog left
// as it is; one without is the catalog's price, as before.
func TestImportPriceObservations(t *testing.T) {
	ctx := context.Background()
	db, dsn := newDB(t)
	importCatalog(t, db)
	file := `sku,condition,price,type,source,observed_at
APIP13128UN,excellent,610.00,resale,ebay,2026-03-13T10:00:00Z
APIP13128UN,Good,520.00,RESALE,swappa,2026-03-13
GOPX8P128UN,poor,100.00,,backmarket,2026-03-01T00:00:00Z
APIP13128UN,good,320.00,,,
APIP13128UN,new,1.00,resale,ebay,2026-03-13
APIP13128UN,fair,1.00,rental,ebay,2026-03-13
APIP13128UN,fair,1.00,resale,ebay,
APIP13128UN,fair,1.00,resale,,2026-03-13
APIP13128UN,fair,1.00,resale,ebay,2026-03-14T09:00:01Z
NOPE,fair,1.00,resale,ebay,2026-03-13
`
	wantRejected := []imports.Rejection{
		{Line: 6, Field: "condition", Reason: `must be Excellent, Good, Fair or Poor, not "new"`},
		{Line: 7, Field: "type", Reason: `must be buyback or resale, not "rental"`},
		{Line: 8, Field: "observed_at", Reason: "required with a source"},
		{Line: 9, Field: "type", Reason: "only a market observation has one, and it needs a source"},
		{Line: 9, Field: "observed_at", Reason: "only a market observation has one, and it needs a source"},
		{Line: 10, Field: "observed_at", Reason: "in the future"},
		{Line: 11, Field: "sku", Reason: `unknown SKU "NOPE": not in the hub's catalog`},
	}
	imp := func(file string) imports.Report {
		t.Helper()
		rep, err := newImporter(db).Import(ctx, imports.KindPrices, strings.NewReader(file), imports.Options{Format: imports.FormatCSV})
		require.NoError(t, err)
		return rep
	}
	assert.Equal(t, imports.Report{Kind: "prices", Rows: 10, Imported: 3, Updated: 1, RejectedRows: 6, Rejected: wantRejected}, imp(file))
	assert.Equal(t, imports.Report{Kind: "prices", Rows: 10, SkippedExisting: 4, RejectedRows: 6, Rejected: wantRejected}, imp(file),
		"importing the file again imports nothing twice")
	assert.Equal(t, 3, count(t, dsn, "public_price_observations"), "rejected rows recorded nothing")

	corrected := "sku,condition,price,type,source,observed_at\nAPIP13128UN,good,525.00,resale,swappa,2026-03-13\n"
	assert.Equal(t, imports.Report{Kind: "prices", Rows: 1, Updated: 1, Rejected: []imports.Rejection{}}, imp(corrected))

	var resale, buyback []hubdb.PriceRow
	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) (err error) {
		since, until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), clock
		if resale, err = tx.PriceRows(ctx, "var_iphone13_128_unlocked", hubdb.PriceResale, since, until); err != nil {
			return err
		}
		buyback, err = tx.PriceRows(ctx, "var_pixel8pro_128_unlocked", hubdb.PriceBuyback, since, until)
		return err
	}))
	assert.Equal(t, []hubdb.PriceRow{
		{VariantID: "var_iphone13_128_unlocked", Kind: hubdb.PriceResale, Condition: intake.ConditionGood,
			At: time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC), Source: "swappa", Cents: 52500},
		{VariantID: "var_iphone13_128_unlocked", Kind: hubdb.PriceResale, Condition: intake.ConditionExcellent,
			At: time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC), Source: "ebay", Cents: 61000},
	}, resale)
	assert.Equal(t, []hubdb.PriceRow{
		{VariantID: "var_pixel8pro_128_unlocked", Kind: hubdb.PriceBuyback, Condition: intake.ConditionPoor,
			At: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Source: "backmarket", Cents: 10000},
	}, buyback, "type buyback by default")
	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) error {
		v, err := tx.Variant(ctx, "APIP13128UN")
		require.NoError(t, err)
		assert.Equal(t, intake.PriceTable{
			intake.ConditionNew: 47600, intake.ConditionExcellent: 42500, intake.ConditionGood: 32000,
			intake.ConditionFair: 24862, intake.ConditionPoor: 17850, intake.ConditionBroken: 8500,
		}, v.Prices, "observations leave the catalog as it is; the row without a source set good")
		return nil
	}))
}

// A file whose every row is wrong changes nothing.
func TestImportPriceObservationsAllRejected(t *testing.T) {
	db, dsn := newDB(t)
	importCatalog(t, db)
	file := "sku,condition,price,type,source,observed_at\nAPIP13128UN,fair,1.00,resale,ebay,2026-03-14T09:00:01Z\nAPIP13128UN,fair,,resale,ebay,2026-03-13\n"
	rep, err := newImporter(db).Import(context.Background(), imports.KindPrices, strings.NewReader(file), imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "prices", Rows: 2, RejectedRows: 2, Rejected: []imports.Rejection{
		{Line: 2, Field: "observed_at", Reason: "in the future"},
		{Line: 3, Field: "price", Reason: "required"},
	}}, rep)
	assert.Equal(t, 0, count(t, dsn, "public_price_observations"))
}
