package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
)

// benchStore returns a store file holding n demo trade-ins. Building one
// with a million rows takes a while, so the file is kept in the temp
// directory and reused by later runs.
func benchStore(b *testing.B, n int) string {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("intakebench-bench-v1-%d.db", n))
	if s, err := Open(ctx, path); err == nil {
		count, err := s.CountTradeIns(ctx)
		s.Close()
		if err == nil && count == n {
			return path
		}
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	start := time.Now()
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	g := demo.NewGenerator(1, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	const page = 10000
	for done := 0; done < n; done += page {
		c := Changes{}
		for range min(page, n-done) {
			t, flag := g.Next()
			c.TradeIns = append(c.TradeIns, t)
			if flag != nil {
				c.Flags = append(c.Flags, *flag)
			}
		}
		if err := s.ApplyChanges(ctx, c, fmt.Sprint(done)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built %d trade-ins in %v", n, time.Since(start))
	return path
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

func reportLatencies(b *testing.B, prefix string, ds []time.Duration) {
	slices.Sort(ds)
	b.ReportMetric(float64(percentile(ds, 0.50).Microseconds())/1000, prefix+"-p50-ms")
	b.ReportMetric(float64(percentile(ds, 0.99).Microseconds())/1000, prefix+"-p99-ms")
}

// BenchmarkLookup1M measures IMEI lookup latency with 1,000,000 cached
// trade-ins (target p99 ≤ 1 ms): the store query alone, and the whole scan
// to match path (parse, lookup, flag and receipt checks).
func BenchmarkLookup1M(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, benchStore(b, 1_000_000))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rows, err := s.read.QueryContext(ctx, `SELECT imei FROM tradeins WHERE rowid % 97 = 0 LIMIT 5000`)
	if err != nil {
		b.Fatal(err)
	}
	var imeis []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			b.Fatal(err)
		}
		imeis = append(imeis, v)
	}
	rows.Close()
	bench := intake.NewBench(s, "bench", time.Now, func() string { return "" })
	b.ResetTimer()
	for range b.N {
		store := make([]time.Duration, 0, len(imeis))
		scan := make([]time.Duration, 0, len(imeis))
		for _, imei := range imeis {
			start := time.Now()
			ts, err := s.TradeInsByIdentifier(ctx, intake.Identifier{Kind: intake.KindIMEI, Value: imei})
			store = append(store, time.Since(start))
			if err != nil || len(ts) != 1 {
				b.Fatalf("lookup %s: %d results, %v", imei, len(ts), err)
			}
			start = time.Now()
			m, err := bench.Lookup(ctx, imei)
			scan = append(scan, time.Since(start))
			if err != nil || m.TradeIn == nil {
				b.Fatalf("scan %s: %+v, %v", imei, m, err)
			}
		}
		reportLatencies(b, "lookup", store)
		reportLatencies(b, "scan-to-match", scan)
	}
}

// BenchmarkOpen1M measures opening a 1,000,000-row store (target ≤ 300 ms).
func BenchmarkOpen1M(b *testing.B) {
	ctx := context.Background()
	path := benchStore(b, 1_000_000)
	b.ResetTimer()
	for range b.N {
		var ds, checks []time.Duration
		for range 10 {
			start := time.Now()
			s, err := Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			// Ready means able to answer a lookup.
			if _, _, err := s.FlagFor(ctx, "000000000000000"); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(start))
			if c := s.OpenCheck(); !c.Complete() {
				b.Fatalf("the check of open was cut short: %d of %d tables", c.Checked, len(c.Tables))
			}
			checks = append(checks, s.OpenCheck().Took)
			s.Close()
		}
		// The first open pays for reading the file from disk into the page
		// cache; later ones are what a restart of the app costs.
		b.ReportMetric(float64(ds[0].Microseconds())/1000, "open-first-ms")
		reportLatencies(b, "open", ds[1:])
		// The integrity check's own share of an open.
		reportLatencies(b, "check", checks[1:])
	}
}

// BenchmarkReceipts measures receipts committed per second, each one
// durable (synchronous=FULL) with its unit, event and audit entry.
func BenchmarkReceipts(b *testing.B) {
	ctx := context.Background()
	const n = 1000
	for range b.N {
		b.StopTimer()
		s, err := Open(ctx, filepath.Join(b.TempDir(), "receipts.db"))
		if err != nil {
			b.Fatal(err)
		}
		data := demo.Generate(n, 3, time.Now())
		if err := s.ApplyChanges(ctx, Changes{TradeIns: data.TradeIns}, "c"); err != nil {
			b.Fatal(err)
		}
		keys := 0
		bench := intake.NewBench(s, "bench", time.Now, func() string { keys++; return fmt.Sprint(keys) })
		op := intake.Operator{ID: "op", Name: "Op", Role: intake.RoleTechnician}
		b.StartTimer()
		start := time.Now()
		for _, t := range data.TradeIns {
			if _, err := bench.Receive(ctx, op, t.IMEI); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "receipts/s")
		s.Close()
	}
}

// BenchmarkApplyChanges100k measures the bench's side of an initial pull:
// 100,000 trade-ins applied to an empty store in the sync engine's batches.
func BenchmarkApplyChanges100k(b *testing.B) {
	const n, batch = 100_000, 10_000
	ctx := context.Background()
	g := demo.NewGenerator(1, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	var batches []Changes
	for done := 0; done < n; done += batch {
		var c Changes
		for range batch {
			t, flag := g.Next()
			c.TradeIns = append(c.TradeIns, t)
			if flag != nil {
				c.Flags = append(c.Flags, *flag)
			}
		}
		batches = append(batches, c)
	}
	for range b.N {
		b.StopTimer()
		s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for i, c := range batches {
			if err := s.ApplyChanges(ctx, c, fmt.Sprint(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/100k")
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
