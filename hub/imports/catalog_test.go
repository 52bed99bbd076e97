package imports_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/intake"
)

func TestCatalog(t *testing.T) {
	db, _ := newDB(t)
	ctx := context.Background()
	importCatalog(t, db)

	changed := strings.Replace(testCatalog, "476.00,425.00,318.75", "476.00,430.00,318.75", 1) +
		"GOPX9128UN,Google,Pixel 9,128GB,Unlocked,,410.00,,,,,\n" +
		",Apple,iPhone 13,64GB,Unlocked,1.00,,,,,,\n" +
		"APIP1364UN,Apple,iPhone 13,64GB,Unlocked,1.00,,,,,,3544321\n" +
		"APIP1364VZ,Apple,iPhone 13,64GB,Verizon,,,,,,,\n" +
		"APIP1364AT,Apple,iPhone 13,64GB,AT&T,1.00,abc,,,,,\n"
	rep, err := newImporter(db).Import(ctx, imports.KindCatalog, strings.NewReader(changed), imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "catalog", Rows: 9, Imported: 1, Updated: 1, SkippedExisting: 3, RejectedRows: 4, Rejected: []imports.Rejection{
		{Line: 7, Field: "sku", Reason: "required"},
		{Line: 8, Field: "tacs", Reason: `TAC "3544321" is not 8 digits`},
		{Line: 9, Field: "", Reason: "a variant needs a price in at least one condition (price_new to price_broken)"},
		{Line: 10, Field: "price_excellent", Reason: `amount "abc": not a valid number`},
	}}, rep)

	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) error {
		v, err := tx.Variant(ctx, "APIP13128UN")
		require.NoError(t, err)
		assert.Equal(t, intake.Cents(43000), v.Prices[intake.ConditionExcellent])
		assert.Equal(t, []string{"35442811", "35443211"}, v.TACs)
		v, err = tx.Variant(ctx, "GOPX9128UN")
		require.NoError(t, err)
		assert.Equal(t, intake.PriceTable{intake.ConditionExcellent: 41000}, v.Prices)
		return nil
	}))
}

func TestPrices(t *testing.T) {
	db, _ := newDB(t)
	ctx := context.Background()
	importCatalog(t, db)
	_, err := newImporter(db).Import(ctx, imports.KindCatalog, strings.NewReader("sku,make,model,storage,carrier,price_excellent\nGOPX9128UN,Google,Pixel 9,128GB,Unlocked,410.00\n"),
		imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)

	file := `sku,condition,price
APIP13128UN,good,320.00
APIP13128UN,excellent,425.00
GOPX9128UN,good,330.00
GOPX9128UN,Fair,250
NOPE,good,1.00
APIP13128UN,unknown,1.00
APIP13128UN,poor,
`
	wantRejected := []imports.Rejection{
		{Line: 6, Field: "sku", Reason: `unknown SKU "NOPE": not in the hub's catalog`},
		{Line: 7, Field: "condition", Reason: `unknown condition "unknown" (want new, excellent, good, fair, poor or broken)`},
		{Line: 8, Field: "price", Reason: "required"},
	}
	rep, err := newImporter(db).Import(ctx, imports.KindPrices, strings.NewReader(file), imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "prices", Rows: 7, Imported: 2, Updated: 1, SkippedExisting: 1, RejectedRows: 3, Rejected: wantRejected}, rep)
	again, err := newImporter(db).Import(ctx, imports.KindPrices, strings.NewReader(file), imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "prices", Rows: 7, SkippedExisting: 4, RejectedRows: 3, Rejected: wantRejected}, again)

	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) error {
		v, err := tx.Variant(ctx, "GOPX9128UN")
		require.NoError(t, err)
		assert.Equal(t, intake.PriceTable{intake.ConditionExcellent: 41000, intake.ConditionGood: 33000, intake.ConditionFair: 25000}, v.Prices)
		v, err = tx.Variant(ctx, "APIP13128UN")
		require.NoError(t, err)
		assert.Equal(t, intake.Cents(32000), v.Prices[intake.ConditionGood])
		// Benches pull the new prices: each variant changed is logged.
		changes, err := tx.ChangesAfter(ctx, 0, 100)
		require.NoError(t, err)
		var last []string
		for _, c := range changes[len(changes)-2:] {
			last = append(last, c.Entity+" "+c.ID)
		}
		assert.Equal(t, []string{"variant APIP13128UN", "variant GOPX9128UN"}, last)
		return nil
	}))
}
