package imports_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/imports"
)

// TestAnImportStoppedBetweenBatchesIsCompletedByTheNextRun: stopping an
// import leaves the batches it committed, each whole; importing the file
// again adds exactly the rest.
func TestAnImportStoppedBetweenBatchesIsCompletedByTheNextRun(t *testing.T) {
	db, path := newDB(t)
	importCatalog(t, db)
	file := filepath.Join(t.TempDir(), "tradeins.csv")
	writeTradeIns(t, file, 3000, 0)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	rep, err := newImporter(db).Import(ctx, imports.KindTradeIns, f, imports.Options{Format: imports.FormatCSV, BatchSize: 500,
		Progress: func(p imports.Progress) {
			assert.Equal(t, 3000, p.Total)
			if p.Rows == 1000 {
				cancel()
			}
		}})
	require.ErrorIs(t, err, imports.ErrStopped)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1000, rep.Imported)
	assert.Equal(t, 1000, count(t, path, "tradeins"))

	_, err = f.Seek(0, 0)
	require.NoError(t, err)
	rep, err = newImporter(db).Import(context.Background(), imports.KindTradeIns, f, imports.Options{Format: imports.FormatCSV, BatchSize: 500})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "tradeins", Rows: 3000, Imported: 2000, SkippedExisting: 1000, Rejected: []imports.Rejection{}}, rep)
	// The nine statuses in turn: 333 each of accepted, shipped, received,
	// inspected and completed have a unit and stock; the last three a
	// receipt; completed ones an obligation and its release.
	for table, n := range map[string]int{"tradeins": 3000, "tradein_history": 3000, "units": 1665, "stock_entries": 1665, "receipts": 999,
		"payout_entries": 1998} {
		assert.Equal(t, n, count(t, path, table), table)
	}
	assert.Equal(t, 3000, countWhere(t, path, "changes", "entity = 'tradein'"))
}
