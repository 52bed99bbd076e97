package public

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// BenchmarkPricingLookup answers seed 002 lookups over loopback HTTP with
// 1,000,000 observations stored (a year of both sides of every demo
// variant, from three sources) and reports their p50 and p99.
func BenchmarkPricingLookup(b *testing.B) {
	const total, lookups = 1_000_000, 2000
	ctx := context.Background()
	db, err := hubdb.Open(ctx, hubtest.DSN(b))
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	cat, err := CatalogFromVariants(demo.Variants())
	require.NoError(b, err)
	now := time.Date(2026, 4, 15, 9, 30, 0, 0, time.UTC)
	keys := &testKeys{scopes: map[string][]string{}}
	api, err := New(db, cat, keys, WithClock(clock.NewFake(now).Now), WithRateLimit(0, 0))
	require.NoError(b, err)
	key := keys.issue(ScopePricingRead)
	srv := httptest.NewServer(api.Handler())
	b.Cleanup(srv.Close)

	var ids []string
	for _, v := range demo.Variants() {
		ids = append(ids, VariantID(v.Model.Name, v.Storage, v.Carrier))
	}
	conds := []intake.Condition{intake.ConditionExcellent, intake.ConditionGood, intake.ConditionFair, intake.ConditionPoor}
	sources := []string{"ebay", "backmarket", "swappa"}
	kinds := []hubdb.PriceKind{hubdb.PriceBuyback, hubdb.PriceResale}
	perVariant := total / len(ids)
	// Spread over a year, newest first, so every lookup's window is full.
	step := 365 * 24 * time.Hour / time.Duration(perVariant)
	const batch = 50_000
	rows := make([]hubdb.PriceRow, 0, batch)
	flush := func() {
		require.NoError(b, db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.RecordPriceRows(ctx, rows) }))
		rows = rows[:0]
	}
	stored := 0
	for _, id := range ids {
		for i := range perVariant {
			rows = append(rows, hubdb.PriceRow{VariantID: id, Kind: kinds[i%2], Condition: conds[(i/2)%4], Source: sources[(i/8)%3],
				At: now.Add(-time.Duration(i) * step), Cents: intake.Cents(40000 + i%5000)})
			if len(rows) == batch {
				flush()
			}
			stored++
		}
	}
	for stored < total { // the remainder, on the first variant, a year ago
		rows = append(rows, hubdb.PriceRow{VariantID: ids[0], Kind: hubdb.PriceResale, Condition: intake.ConditionPoor, Source: "old",
			At: now.AddDate(-1, 0, 0).Add(-time.Duration(stored) * time.Millisecond), Cents: 1})
		stored++
	}
	flush()

	b.ResetTimer()
	for range b.N {
		took := make([]time.Duration, 0, lookups)
		for i := range lookups {
			req, err := http.NewRequest("GET", fmt.Sprintf("%s/api/pricing?variant_id=%s", srv.URL, ids[(i*7)%len(ids)]), nil)
			require.NoError(b, err)
			req.Header.Set("Authorization", "Bearer "+key)
			start := time.Now()
			res, err := http.DefaultClient.Do(req)
			require.NoError(b, err)
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			took = append(took, time.Since(start))
			require.NoError(b, err)
			require.Equal(b, http.StatusOK, res.StatusCode)
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(perVariant), "observations/variant")
	}
}
