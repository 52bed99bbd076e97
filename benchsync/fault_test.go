package benchsync_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestFaultsLoseNothingAndApplyNothingTwice runs five benches that receive
// and grade 10,000 events' worth of devices while syncing through a proxy
// that delays, resets, stalls and cuts connections, including answers lost
// after the hub committed. Forty devices are received at every bench. In
// the end no event is lost, none applied twice, every rejection is the
// arbiter's, and every bench holds the hub's state.
func TestFaultsLoseNothingAndApplyNothingTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("fault rounds take half a minute: runs without -short")
	}
	const (
		benches   = 5
		contested = 40
		perBench  = 2000 // events
		gradeEach = 6    // one own device in this many is graded too
	)
	own := (perBench - contested) * gradeEach / (gradeEach + 1)
	h := hubtest.New(t, hubtest.Config{TradeIns: int(float64(benches*own+contested) * 1.05), Unlimited: true})
	receivable := h.Receivable(t)
	require.GreaterOrEqual(t, len(receivable), benches*own+contested)
	proxy := newFaultProxy(t, h.HTTP.Listener.Addr().String())
	ctx := context.Background()

	bs := make([]*bench, benches)
	created := make([]map[string]bool, benches) // event keys each bench made
	var duplicates, failures atomic.Int64
	counter := benchsync.WithStatus(func(s benchsync.Status) {
		if s.State == benchsync.StateIdle {
			duplicates.Add(int64(s.Duplicates))
		}
		if s.State == benchsync.StateWaiting {
			failures.Add(1)
		}
	})
	for i := range bs {
		bs[i] = newBench(t, h, "bench-"+string(rune('a'+i)), "http://"+proxy.addr(),
			benchsync.WithRetry(8, 2*time.Millisecond, 100*time.Millisecond), benchsync.WithInterval(50*time.Millisecond),
			benchsync.WithBatch(200, 1000), counter)
		created[i] = map[string]bool{}
	}
	var wg sync.WaitGroup
	for _, b := range bs {
		wg.Go(func() { b.sync(t) })
	}
	wg.Wait()
	// Every bench receives the contested devices offline first.
	for i, b := range bs {
		for _, ti := range receivable[:contested] {
			r, err := b.svc.Receive(ctx, tech, ti.IMEI)
			require.NoError(t, err)
			created[i][r.EventKey] = true
		}
	}

	proxy.misbehave(true)
	runCtx, stopRuns := context.WithCancel(ctx)
	defer stopRuns()
	runErrs := make([]error, benches)
	var runs sync.WaitGroup
	for i, b := range bs {
		runs.Go(func() { runErrs[i] = b.engine.Run(runCtx) })
	}
	start := time.Now()
	var workers sync.WaitGroup
	for i, b := range bs {
		mine := receivable[contested+i*own : contested+(i+1)*own]
		workers.Go(func() {
			for n, ti := range mine {
				r, err := b.svc.Receive(ctx, tech, ti.IMEI)
				if err != nil {
					t.Errorf("bench %s receives %s: %v", b.name, ti.ID, err)
					return
				}
				created[i][r.EventKey] = true
				if n%gradeEach == 0 {
					g, err := b.svc.RecordGrading(ctx, tech, ti.ID, cleanInspection())
					if err != nil {
						t.Errorf("bench %s grades %s: %v", b.name, ti.ID, err)
						return
					}
					if g.Decision.Reroute {
						t.Errorf("bench %s rerouted %s: its events are not counted", b.name, ti.ID)
						return
					}
					created[i][g.EventKey] = true
				}
				if n%25 == 0 {
					b.engine.Nudge()
				}
			}
		})
	}
	workers.Wait()
	require.False(t, t.Failed())
	// Wait for every outbox to drain through the faults.
	deadline := time.Now().Add(90 * time.Second)
	for {
		pending := 0
		for _, b := range bs {
			n, err := b.store.CountPending(ctx)
			require.NoError(t, err)
			pending += n
		}
		if pending == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d events still pending", pending)
		time.Sleep(50 * time.Millisecond)
	}
	proxy.misbehave(false)
	stopRuns()
	runs.Wait()
	for i, err := range runErrs {
		require.ErrorIs(t, err, context.Canceled, "bench %d's Run ended only when told", i)
	}
	t.Logf("all outboxes drained %v after the benches started", time.Since(start).Round(time.Millisecond))

	total := 0
	for range 2 { // the second round pulls what the others pushed in the first
		for _, b := range bs {
			b.sync(t)
		}
	}
	appliedReceipts := map[string]int{}
	for i, b := range bs {
		recorded, err := h.BenchEvents(ctx, b.name)
		require.NoError(t, err)
		total += len(recorded)
		require.Len(t, recorded, len(created[i]), "bench %s: the hub holds every event, once", b.name)
		rejected, err := b.store.RejectedEvents(ctx)
		require.NoError(t, err)
		rejectedHere := map[string]bool{}
		for _, e := range rejected {
			rejectedHere[e.Key] = true
		}
		for n, e := range recorded {
			require.EqualValues(t, n+1, e.Seq, "bench %s: the stream has no gap", b.name)
			require.True(t, created[i][e.Key], "bench %s: the hub holds an event the bench never made", b.name)
			require.Equal(t, e.Status == wire.StatusRejected, rejectedHere[e.Key], "bench %s: event %d settled as the hub decided", b.name, e.Seq)
			if e.Status == wire.StatusRejected {
				require.Equal(t, wire.RejectAlreadyReceived, e.Code, "bench %s: only the arbiter rejects", b.name)
			}
			if e.Kind == string(intake.EventReceived) && e.Status == wire.StatusApplied {
				appliedReceipts[e.Key]++
			}
		}
	}
	require.GreaterOrEqual(t, total, benches*perBench-benches*gradeEach, "the test pushed about 10,000 events")
	receipts := 0
	for _, ti := range receivable[:contested+benches*own] {
		r, ok, err := h.Receipt(ctx, ti.ID)
		require.NoError(t, err)
		require.True(t, ok, "trade-in %s was received", ti.ID)
		require.Equal(t, 1, appliedReceipts[r.EventKey], "trade-in %s: its receipt was applied once", ti.ID)
		receipts++
	}
	require.Len(t, appliedReceipts, receipts, "one applied receipt per device, no more")
	for _, b := range bs {
		requireConverged(t, h, b, h.Seeded.TradeIns)
	}
	assert.Positive(t, failures.Load(), "the faults made syncs fail")
	// The retry of a push whose answer was lost is the same batch, which
	// the hub answers again from its idempotency record, or a larger one,
	// whose events it already has it reports as duplicates: either way
	// each receipt was applied once (above).
	assert.Positive(t, proxy.lostPushes.Load(), "answers to pushes were lost after the hub committed")
	t.Logf("%d events from %d benches, %d receipts; %d failed syncs retried, %d push answers lost, %d events delivered twice and applied once",
		total, benches, receipts, failures.Load(), proxy.lostPushes.Load(), duplicates.Load())
}

func cleanInspection() intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 95}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	return in
}
