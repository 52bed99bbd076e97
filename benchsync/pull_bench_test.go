package benchsync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// BenchmarkInitialPull measures an empty bench pulling every trade-in of
// a hub (with the catalog, operators and flags) over loopback HTTP into its
// store, with its indexes made: 100,000 and 1,000,000 trade-ins, from a
// hub on SQLite and on PostgreSQL (targets: 1.5 s and 15 s; PostgreSQL
// within 1.5× of SQLite). -short leaves out the million, whose seeding
// alone takes minutes on PostgreSQL. The hub is seeded once per size and
// database; each iteration pulls into a new store. It also reports the
// latency of a scan's lookup right after the pull (lookup-p99-ms).
func BenchmarkInitialPull(b *testing.B) {
	for _, db := range []struct {
		name     string
		postgres bool
	}{{"sqlite", false}, {"postgres", true}} {
		for _, n := range []int{100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/%dk", db.name, n/1000), func(b *testing.B) {
				if n > 100_000 && testing.Short() {
					b.Skip("-short: no million")
				}
				initialPull(b, db.postgres, n)
			})
		}
	}
}

func initialPull(b *testing.B, postgres bool, n int) {
	h := hubtest.New(b, hubtest.Config{Unlimited: true, Postgres: postgres})
	probes := seedBulk(b, h.Hub, n, 200)
	ctx := context.Background()
	client, err := benchsync.NewClient(h.URL, h.Enroll(b, "bench"))
	if err != nil {
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
		start := time.Now()
		sum, err := engine.RunOnce(ctx)
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if count, err := st.CountTradeIns(ctx); err != nil || count != n {
			b.Fatalf("%d trade-ins cached, want %d (%v)", count, n, err)
		}
		took += elapsed
		b.ReportMetric(float64(sum.Items)/elapsed.Seconds(), "changes/s")
		reportP99(b, "lookup", lookups(ctx, b, st, probes))
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(took.Seconds()/float64(b.N), "s/pull")
}

// seedBulk puts n demo trade-ins and their registry flags on the hub
// through its bulk path (as an import writes them): a million through
// PutTradeIns take a quarter of an hour. It returns the IMEIs of about
// probes of them, spread over the log.
func seedBulk(b testing.TB, h *hub.Hub, n, probes int) []string {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	g := demo.NewGenerator(1, h.Now())
	const batch = 10_000
	var imeis []string
	err := h.DB().Bulk(ctx, 256, func() error {
		for done := 0; done < n; done += batch {
			es := make([]*hubdb.EncodedTradeIn, 0, batch)
			var flags []hub.RegistryEntry
			for range min(batch, n-done) {
				t, f := g.Next()
				if probes > 0 && (done+len(es))%max(n/probes, 1) == 0 && t.IMEI != "" {
					imeis = append(imeis, t.IMEI)
				}
				e, err := hubdb.EncodeImportedTradeIn(hubdb.ImportedTradeIn{TradeIn: t,
					History: hubdb.HistoryEntry{To: t.Status, Actor: "bench seed", At: t.UpdatedAt}})
				if err != nil {
					return err
				}
				es = append(es, e)
				if f != nil {
					flags = append(flags, hub.RegistryEntry{Flag: *f})
				}
			}
			if err := h.DB().InTx(ctx, func(tx *hubdb.Tx) error { return tx.InsertEncodedTradeIns(ctx, es) }); err != nil {
				return err
			}
			if err := h.PutFlags(ctx, flags); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d trade-ins in %v", n, time.Since(start).Round(time.Millisecond))
	return imeis
}

func lookups(ctx context.Context, b *testing.B, st *store.Store, probes []string) []time.Duration {
	lat := make([]time.Duration, 0, len(probes))
	for _, imei := range probes {
		start := time.Now()
		ts, err := st.TradeInsByIdentifier(ctx, intake.Identifier{Kind: intake.KindIMEI, Value: imei})
		lat = append(lat, time.Since(start))
		if err != nil || len(ts) == 0 {
			b.Fatalf("lookup %s after the pull: %d trade-ins, %v", imei, len(ts), err)
		}
	}
	return lat
}

func reportP99(b *testing.B, name string, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, name+"-p99-ms")
}
