package imports_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/intake"
)

// BenchmarkImportTradeIns imports 1,000,000 trade-ins from a CSV file into
// a real hub database file, through the path the command takes: the
// structure prescan, every row's checks, and batches of DefaultBatchSize
// rows in transactions with SQLite's synchronous=FULL. The rows run
// through all nine statuses, so five in nine are accepted or later and
// write a unit, a stock entry, payout entries and (three in nine) a
// receipt; their IMEIs come in no order, as a real file's do.
// IMPORT_BENCH_ROWS sets another size.
func BenchmarkImportTradeIns(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("IMPORT_BENCH_ROWS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	// As intakehub import does.
	defer debug.SetGCPercent(debug.SetGCPercent(imports.GCPercent))
	dir := b.TempDir()
	file := filepath.Join(dir, "tradeins.csv")
	writeTradeIns(b, file, n, 0)
	ctx := context.Background()
	var took time.Duration
	for i := range b.N {
		b.StopTimer()
		db := openDB(b, filepath.Join(dir, fmt.Sprintf("hub-%d.db", i)))
		importCatalog(b, db)
		f, err := os.Open(file)
		require.NoError(b, err)
		b.StartTimer()
		start := time.Now()
		rep, err := imports.New(db, imports.Config{}).Import(ctx, imports.KindTradeIns, f, imports.Options{Format: imports.FormatCSV})
		took += time.Since(start)
		b.StopTimer()
		f.Close()
		require.NoError(b, err)
		require.Equal(b, n, rep.Imported, "rejected: %v", first(rep.Rejected, 5))
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/took.Seconds(), "rows/s")
	b.ReportMetric(took.Seconds()/float64(b.N), "s/import")
}

func first[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// benchSKUs are the catalog testCatalog makes.
var benchSKUs = []string{"APIP13128UN", "APIP13256UN", "SMS24U256UN", "GOPX8P128UN"}

// writeTradeIns writes n trade-in rows, external ids from offset on, with
// valid IMEIs on the models' TACs, through all nine statuses.
func writeTradeIns(tb testing.TB, file string, n, offset int) {
	tb.Helper()
	f, err := os.Create(file)
	require.NoError(tb, err)
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "external_id,status,sku,imei,condition,offer,payout_method,customer_name,created_at")
	tacs := []string{"35443211", "35443211", "35799425", "35635011"}
	conditions := []string{"excellent", "good", "fair", "poor"}
	methods := []string{"store-credit", "check", "card"}
	for i := offset; i < offset+n; i++ {
		sku := i % len(benchSKUs)
		// Serials in a scattered order, as a real file's are: the IMEI
		// index takes them all over, not at its end.
		body := fmt.Sprintf("%s%06d", tacs[sku], (i*7919+13)%1_000_000)
		d, err := intake.LuhnCheckDigit(body)
		require.NoError(tb, err)
		status := intake.Statuses[i%len(intake.Statuses)]
		fmt.Fprintf(w, "EXT-%08d,%s,%s,%s%c,%s,%d.%02d,%s,Customer %d,2025-0%d-%02dT10:00:00Z\n", i, status, benchSKUs[sku], body, d,
			conditions[i%len(conditions)], 50+i%900, i%100, methods[i%len(methods)], i, 1+i%9, 1+i%28)
	}
	require.NoError(tb, w.Flush())
	require.NoError(tb, f.Close())
}
