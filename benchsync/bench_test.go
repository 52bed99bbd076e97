package benchsync_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// BenchmarkPush10k measures pushing 10,000 queued receipts to the hub
// (target ≤ 5 s).
func BenchmarkPush10k(b *testing.B) {
	const n = 10_000
	h := hubtest.New(b, hubtest.Config{TradeIns: n + n/20, Unlimited: true})
	receivable := h.Receivable(b)[:n]
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		bn := newBench(b, h, "bench-"+uuid.NewString()[:8], h.URL)
		bn.sync(b)
		if i > 0 {
			b.Fatal("run with -benchtime 1x: the hub's trade-ins are received once")
		}
		for _, ti := range receivable {
			if _, err := bn.svc.Receive(ctx, tech, ti.IMEI); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		sum, err := bn.engine.RunOnce(ctx)
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Applied != n {
			b.Fatalf("%d applied, want %d", sum.Applied, n)
		}
		b.ReportMetric(took.Seconds(), "s/push")
		b.ReportMetric(n/took.Seconds(), "events/s")
	}
}

// BenchmarkHub20Benches measures the hub's requests per second with 20
// benches at once, each pushing single receipts and pulling the latest
// changes in turn, over loopback HTTP.
func BenchmarkHub20Benches(b *testing.B) {
	const benches, rounds = 20, 100
	h := hubtest.New(b, hubtest.Config{TradeIns: benches * rounds * 11 / 10, Unlimited: true})
	receivable := h.Receivable(b)
	ctx := context.Background()
	clients := make([]*benchsync.Client, benches)
	for i := range clients {
		c, err := benchsync.NewClient(h.URL, h.Enroll(b, benchName(i)))
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	next := 0
	seqs := make([]int64, benches) // each bench's stream continues across iterations
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if next+benches*rounds > len(receivable) {
			b.Fatal("run with -benchtime 1x: each iteration receives new devices")
		}
		work := receivable[next : next+benches*rounds]
		next += benches * rounds
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for i, c := range clients {
			mine := work[i*rounds : (i+1)*rounds]
			wg.Go(func() {
				cursor := ""
				for _, ti := range mine {
					seqs[i]++
					ev := receiptEvent(b, seqs[i], ti, benchName(i))
					if _, err := c.Push(ctx, wire.PushRequest{Bench: benchName(i), Events: []wire.Event{ev}}); err != nil {
						b.Error(err)
						return
					}
					page, err := c.Changes(ctx, cursor, 100)
					if err != nil {
						b.Error(err)
						return
					}
					cursor = page.NextCursor
				}
			})
		}
		wg.Wait()
		took := time.Since(start)
		b.ReportMetric(float64(2*benches*rounds)/took.Seconds(), "req/s")
		b.ReportMetric(float64(benches*rounds)/took.Seconds(), "pushes/s")
	}
}

func benchName(i int) string { return "bench-" + string(rune('a'+i)) }

func receiptEvent(b *testing.B, seq int64, ti intake.TradeIn, bench string) wire.Event {
	key := uuid.NewString()
	now := time.Now().UTC()
	payload, err := json.Marshal(intake.Receipt{TradeInID: ti.ID, IMEI: ti.IMEI, Operator: tech.ID, Bench: bench, At: now, EventKey: key})
	if err != nil {
		b.Fatal(err)
	}
	return wire.Event{Seq: seq, Key: key, Kind: intake.EventReceived, TradeInID: ti.ID, Operator: tech.ID, Bench: bench, At: now, Payload: payload}
}
