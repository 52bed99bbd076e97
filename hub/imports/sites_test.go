package imports_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/imports"
)

// A trade-ins file may say where each trade-in is expected (column site):
// a site the hub has is set, none is every site, an unknown one rejects
// the row.
func TestTradeInsImportWithSites(t *testing.T) {
	ctx := context.Background()
	db, _ := newDB(t)
	importCatalog(t, db)
	require.NoError(t, db.InTx(ctx, func(tx *hubdb.Tx) error {
		return tx.InsertSite(ctx, hubdb.Site{ID: "leeds-wh", Name: "Leeds warehouse", Kind: "warehouse", CreatedAt: time.Now()})
	}))
	file := csvOf(t, [][]string{
		{"external_id", "status", "sku", "imei", "condition", "offer", "site"},
		{"EXT-S1", "accepted", "APIP13128UN", "354432110000012", "good", "318.75", "leeds-wh"},
		{"EXT-S2", "accepted", "APIP13128UN", "354432110000020", "good", "318.75", ""},
		{"EXT-S3", "accepted", "APIP13128UN", "354432110000038", "good", "318.75", "york"},
	})
	rep, err := newImporter(db).Import(ctx, imports.KindTradeIns, strings.NewReader(file), imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Imported)
	assert.Equal(t, []imports.Rejection{{Line: 4, Field: "site", Reason: `unknown site "york": intakehub sites list names the hub's`}}, rep.Rejected)

	sites := map[string]string{}
	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) error {
		ts, err := tx.TradeIns(ctx, hubdb.TradeInFilter{Limit: 10})
		if err != nil {
			return err
		}
		for _, ti := range ts {
			if sites[ti.ExternalID], err = tx.SiteOf(ctx, wire.EntityTradeIn, ti.ID); err != nil {
				return err
			}
		}
		return nil
	}))
	assert.Equal(t, map[string]string{"EXT-S1": "leeds-wh", "EXT-S2": ""}, sites)
}
