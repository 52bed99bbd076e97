package benchsync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// BenchmarkSiteInitialPull measures an empty bench of one of ten sites
// pulling its site's share of a hub's 100,000 trade-ins, every one of which
// was created without a site and then put at one: the case where the log
// holds a "left" entry (every site's) for each trade-in, none of which a
// read from the start is sent. Compare with BenchmarkInitialPull's
// sqlite/100k, the same hub without sites.
func BenchmarkSiteInitialPull(b *testing.B) {
	for _, db := range []struct {
		name     string
		postgres bool
	}{{"sqlite", false}, {"postgres", true}} {
		b.Run(db.name+"/100k-10-sites", func(b *testing.B) { siteInitialPull(b, db.postgres, 100_000, 10) })
	}
}

func siteInitialPull(b *testing.B, postgres bool, n, sites int) {
	h := hubtest.New(b, hubtest.Config{Unlimited: true, Postgres: postgres})
	seedBulk(b, h.Hub, n, 0)
	ctx := context.Background()
	start := time.Now()
	for s := range sites {
		if _, err := h.CreateSite(ctx, hub.SiteInput{ID: fmt.Sprintf("site-%d", s), Name: fmt.Sprintf("Site %d", s), Kind: hub.SiteStore}); err != nil {
			b.Fatal(err)
		}
	}
	var ids []string
	err := h.DB().View(ctx, func(tx *hubdb.Tx) error {
		ts, err := tx.TradeIns(ctx, hubdb.TradeInFilter{Limit: n + 1})
		for _, t := range ts {
			ids = append(ids, t.ID)
		}
		return err
	})
	if err != nil || len(ids) != n {
		b.Fatalf("%d trade-ins listed, want %d (%v)", len(ids), n, err)
	}
	const batch = 5_000
	for i := 0; i < len(ids); i += batch {
		err := h.DB().InTx(ctx, func(tx *hubdb.Tx) error {
			for j, id := range ids[i:min(i+batch, len(ids))] {
				if _, err := tx.MoveToSite(ctx, wire.EntityTradeIn, id, fmt.Sprintf("site-%d", (i+j)%sites), h.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("put %d trade-ins at %d sites in %v", n, sites, time.Since(start).Round(time.Millisecond))
	client, err := benchsync.NewClient(h.URL, h.Enroll(b, "bench"))
	if err != nil {
		b.Fatal(err)
	}
	if err := h.AssignBench(ctx, "bench", "site-0"); err != nil {
		b.Fatal(err)
	}
	var took time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		engine := benchsync.New(st, client, "bench")
		b.StartTimer()
		t0 := time.Now()
		sum, err := engine.RunOnce(ctx)
		elapsed := time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if count, err := st.CountTradeIns(ctx); err != nil || count != n/sites {
			b.Fatalf("%d trade-ins cached, want %d (%v)", count, n/sites, err)
		}
		took += elapsed
		b.ReportMetric(float64(sum.Items), "changes")
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(took.Seconds()/float64(b.N), "s/pull")
}
