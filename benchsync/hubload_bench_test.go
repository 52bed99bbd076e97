package benchsync_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// BenchmarkHubPushes puts the hub under many benches at once, each pushing
// single receipts one after another over loopback HTTP, side by side on
// SQLite, on PostgreSQL with one hub process, and on PostgreSQL with two
// processes sharing the database (benches spread over them, as a load
// balancer would). It reports pushes a second and the 99th percentile of a
// push's latency.
func BenchmarkHubPushes(b *testing.B) {
	for _, db := range []struct {
		name      string
		postgres  bool
		processes int
	}{{"sqlite", false, 1}, {"postgres", true, 1}, {"postgres-2-processes", true, 2}} {
		for _, benches := range []int{20, 200} {
			b.Run(fmt.Sprintf("%s/%d-benches", db.name, benches), func(b *testing.B) {
				hubPushes(b, db.postgres, db.processes, benches)
			})
		}
	}
}

func hubPushes(b *testing.B, postgres bool, processes, benches int) {
	rounds := 4000 / benches // every run pushes 4,000 receipts
	h := hubtest.New(b, hubtest.Config{TradeIns: benches * rounds * 11 / 10, Unlimited: true, Postgres: postgres})
	receivable := h.Receivable(b)
	urls := []string{h.URL}
	for len(urls) < processes {
		urls = append(urls, h.Another(b))
	}
	clients := make([]*benchsync.Client, benches)
	for i := range clients {
		c, err := benchsync.NewClient(urls[i%len(urls)], h.Enroll(b, fmt.Sprintf("bench-%03d", i)))
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	ctx := context.Background()
	next := 0
	seqs := make([]int64, benches)
	for b.Loop() {
		if next+benches*rounds > len(receivable) {
			b.Fatal("run with -benchtime 1x: each iteration receives new devices")
		}
		work := receivable[next : next+benches*rounds]
		next += benches * rounds
		latencies := make([][]time.Duration, benches)
		var overloaded atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for i, c := range clients {
			name := fmt.Sprintf("bench-%03d", i)
			wg.Go(func() {
				for _, ti := range work[i*rounds : (i+1)*rounds] {
					seqs[i]++
					ev := receiptEvent(b, seqs[i], ti, name)
					began := time.Now()
					for {
						_, err := c.Push(ctx, wire.PushRequest{Bench: name, Events: []wire.Event{ev}})
						// An overloaded hub says when to come back, and a
						// bench does: the push's latency includes the wait.
						var he *benchsync.HubError
						if errors.As(err, &he) && he.StatusCode == http.StatusServiceUnavailable {
							overloaded.Add(1)
							time.Sleep(max(he.RetryAfter/10, 5*time.Millisecond))
							continue
						}
						if err != nil {
							b.Error(err)
							return
						}
						break
					}
					latencies[i] = append(latencies[i], time.Since(began))
				}
			})
		}
		wg.Wait()
		took := time.Since(start)
		all := slices.Concat(latencies...)
		slices.Sort(all)
		b.ReportMetric(float64(len(all))/took.Seconds(), "pushes/s")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(overloaded.Load()), "503s")
	}
}
