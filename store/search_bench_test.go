package store

import (
	"context"
	"testing"
	"time"
)

// BenchmarkFindTradeIns1M measures the manual search with 1,000,000
// cached trade-ins (target p99 ≤ 10 ms): surnames, parts of names, whole
// names, the last digits of references and the end of tracking numbers,
// and names no trade-in has, each as a clerk would type them.
func BenchmarkFindTradeIns1M(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, benchStore(b, 1_000_000))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var refs, tracking []string
	rows, err := s.read.QueryContext(ctx, `SELECT reference, tracking FROM tradeins WHERE rowid % 4999 = 0 AND tracking IS NOT NULL LIMIT 200`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var r, t string
		if err := rows.Scan(&r, &t); err != nil {
			b.Fatal(err)
		}
		refs, tracking = append(refs, r[len(r)-6:]), append(tracking, t[len(t)-8:])
	}
	rows.Close()
	kinds := map[string][]string{
		"surname":  {"Okafor", "Müller", "muller", "Nguyen", "Sato", "Patel"},
		"part":     {"okaf", "lleR", "guye", "ssi", "ohns"},
		"name":     {"Amara Okafor", "Kenji Sato", "liam kim", "Fatima Novak", "jonas rossi"},
		"ref":      refs,
		"tracking": tracking,
		"none":     {"Turing", "Lovelace", "Grace Hopper", "zzzqqq", "TI-2026-9999999", "1Z999AA10123456784"},
	}
	var all []time.Duration
	for range b.N {
		for kind, terms := range kinds {
			var ds []time.Duration
			for _, term := range terms {
				start := time.Now()
				if _, err := s.FindTradeIns(ctx, term, 20); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(start))
			}
			all = append(all, ds...)
			reportLatencies(b, kind, ds)
		}
	}
	reportLatencies(b, "search", all)
}
