package benchsync_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/internal/pgtest"
	"github.com/intakebench/intakebench/store"
)

// twoProcessRound is the size of one round of two hub processes under
// benches, one process killed with SIGKILL and restarted mid-way.
type twoProcessRound struct {
	benches   int // an even number, spread over the two processes alternately
	perBench  int // events each bench makes, about
	contested int // devices each bench receives that its partner on the other process receives too
	kills     int // SIGKILLs, of the second process first, then alternately, spread evenly over the pushes
	// sweep finishes the webhook deliveries a killed process had leased
	// with the hub's own dispatcher on a clock moved past the lease, so
	// the test does not wait the 40 s a lease lasts; without it the live
	// processes deliver them when the lease ends, as in production.
	sweep bool
	// postgres puts the hub on PostgreSQL whatever INTAKEBENCH_TEST_DB says.
	postgres bool
}

// twoProcessFigures is what a round did.
type twoProcessFigures struct {
	events, applied, rejected int
	kills                     int
	failedSyncs               int64         // bench sync attempts that failed (a process down) and were retried
	pushPhase                 time.Duration // from the benches' start to every outbox drained
	webhooks                  int           // deliveries, one per applied event
	posts                     int           // POSTs the receiver got: webhooks plus redeliveries
	swept                     int           // deliveries the sweep made
	webhookDrain              time.Duration // from the outboxes drained to the last webhook
}

// TestTwoHubProcessesKilled runs benches against two real intakehub
// processes on one database, half the benches on each, with a webhook
// endpoint registered, and kills each process once with SIGKILL while the
// benches push (the second process first), restarting it on its address.
// A bench has one hub URL: while its process is down it retries with
// backoff until the process is back (there is no failover to the other
// process; a load balancer in front of both would give that). Pairs of
// benches on different processes receive the same devices. In the end no
// event is lost or applied twice, each contested device has one receipt,
// every applied event's webhook reached the receiver under one id (maybe
// twice, after a kill, as the hub promises at-least-once with a stable id),
// and every bench holds the hub's state of every trade-in.
// BenchmarkTwoHubProcessesKilled runs the full size: 20 benches, 10,000
// events.
func TestTwoHubProcessesKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("kill rounds build and kill the hub for seconds: runs without -short")
	}
	figs := twoHubProcessesKilled(t, twoProcessRound{benches: 4, perBench: 150, contested: 10, kills: 2, sweep: true})
	t.Logf("%d events (%d applied, %d rejected) from 4 benches through %d kills in %s (%.0f events/s), %d failed syncs retried; %d webhooks, %d POSTs, %d swept after the leases, last one %s after the outboxes drained",
		figs.events, figs.applied, figs.rejected, figs.kills, figs.pushPhase.Round(time.Millisecond),
		float64(figs.events)/figs.pushPhase.Seconds(), figs.failedSyncs, figs.webhooks, figs.posts, figs.swept, figs.webhookDrain.Round(time.Millisecond))
}

// BenchmarkTwoHubProcessesKilled is issue 14's round at full size: two hub
// processes, 20 benches, 10,000 events, one process killed and restarted
// mid-way, on SQLite and on PostgreSQL. The live processes deliver the
// webhooks the killed one had leased when the lease ends (40 s after the
// claim), so webhook-drain-s includes that wait. It reports events a second from the
// benches' start to every outbox drained.
func BenchmarkTwoHubProcessesKilled(b *testing.B) {
	for _, db := range []struct {
		name     string
		postgres bool
	}{{"sqlite", false}, {"postgres", true}} {
		b.Run(db.name, func(b *testing.B) {
			var figs twoProcessFigures
			for b.Loop() {
				figs = twoHubProcessesKilled(b, twoProcessRound{benches: 20, perBench: 500, contested: 20, kills: 1, postgres: db.postgres})
			}
			b.ReportMetric(float64(figs.events)/figs.pushPhase.Seconds(), "events/s")
			b.ReportMetric(float64(figs.events), "events")
			b.ReportMetric(float64(figs.kills), "kills")
			b.ReportMetric(float64(figs.posts-figs.webhooks), "webhook-redeliveries")
			b.ReportMetric(figs.webhookDrain.Seconds(), "webhook-drain-s")
		})
	}
}

// procBench is one bench of the round, and what it made.
type procBench struct {
	name    string
	process int
	st      *store.Store
	svc     *intake.Bench
	engine  *benchsync.Engine
	created map[string]bool
	made    atomic.Int64
}

func twoHubProcessesKilled(t testing.TB, r twoProcessRound) twoProcessFigures {
	t.Helper()
	require.Zero(t, r.benches%2, "benches come in pairs, one on each process")
	const gradeEach = 6 // one own device in this many is graded too
	own := (r.perBench - r.contested) * gradeEach / (gradeEach + 1)
	planned := r.benches * (r.contested + own + (own+gradeEach-1)/gradeEach)
	devices := r.benches/2*r.contested + r.benches*own
	ctx := context.Background()
	began := time.Now()
	dir := t.TempDir()
	db := hubtest.DSN(t)
	if r.postgres && !hubdb.IsPostgres(db) {
		db = pgtest.Start(t).NewDatabase(t)
	}
	bin := filepath.Join(dir, "intakehub")
	build := exec.Command("go", "build", "-o", bin, "github.com/intakebench/intakebench/cmd/intakehub")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	procs := []*hubProcess{{bin: bin, db: db}, {bin: bin, db: db}}
	seeded := devices*11/10 + 20 // some seeded IMEIs are flagged by the registry
	procs[0].run(t, "seed", "--db", db, "--demo", "--tradeins", strconv.Itoa(seeded))
	apiKey := procs[0].run(t, "apikey", "create", "--db", db, "--name", "twoprocess", "--scopes", wire.ScopeWebhooks)

	h, err := hub.Open(ctx, db, hub.Config{})
	require.NoError(t, err)
	receivable := (&hubtest.Hub{Hub: h, Seeded: demo.SeedSummary{TradeIns: seeded}}).Receivable(t)
	require.GreaterOrEqual(t, len(receivable), devices)
	codes := make([]string, r.benches)
	for i := range codes {
		codes[i], err = h.CreateEnrollment(ctx, fmt.Sprintf("proc-bench-%02d", i+1), wire.BenchScopes, time.Hour)
		require.NoError(t, err)
	}
	require.NoError(t, h.Close())

	rc := &hookReceiver{secret: "whsec_twoprocess_" + uuid.NewString()}
	receiver := httptest.NewServer(rc)
	defer receiver.Close()
	logs := make([]*os.File, len(procs))
	urls := make([]string, len(procs))
	for i, p := range procs {
		logs[i], err = os.Create(filepath.Join(dir, fmt.Sprintf("hub-%d.log", i+1)))
		require.NoError(t, err)
		defer logs[i].Close()
		urls[i] = p.serve(t, "127.0.0.1:0", logs[i], "--webhooks-allow-private")
		// Deferred after the receiver's Close, so it runs first.
		defer func() {
			if p.cmd.ProcessState == nil {
				_ = p.cmd.Process.Kill()
				_ = p.cmd.Wait()
			}
		}()
	}
	defer func() {
		if t.Failed() {
			for i, f := range logs {
				logged, _ := os.ReadFile(f.Name())
				t.Logf("hub process %d's log:\n%s", i+1, lastLines(string(logged), 40))
			}
		}
	}()
	// Registered through the first process; the second reads endpoints
	// from the database at each publish.
	endpointID := registerWebhook(t, urls[0], apiKey, receiver.URL+"/hooks", rc.secret)

	var failedSyncs atomic.Int64
	failures := benchsync.WithStatus(func(s benchsync.Status) {
		if s.State == benchsync.StateWaiting {
			failedSyncs.Add(1)
		}
	})
	bs := make([]*procBench, r.benches)
	for i := range bs {
		b := &procBench{name: fmt.Sprintf("proc-bench-%02d", i+1), process: i % 2, created: map[string]bool{}}
		bs[i] = b
		hubURL := urls[b.process]
		enroller, err := benchsync.NewClient(hubURL, "")
		require.NoError(t, err)
		enrolled, err := enroller.Enroll(ctx, codes[i], b.name)
		require.NoError(t, err)
		b.st, err = store.Open(ctx, filepath.Join(dir, b.name+".db"))
		require.NoError(t, err)
		defer b.st.Close()
		// The app's batches and request timeout; retries and the idle
		// poll are quicker than the app's, to keep the round short.
		client, err := benchsync.NewClient(hubURL, enrolled.Token)
		require.NoError(t, err)
		b.engine = benchsync.New(b.st, client, b.name,
			benchsync.WithRetry(8, 2*time.Millisecond, 100*time.Millisecond), benchsync.WithInterval(50*time.Millisecond), failures)
		b.svc = intake.NewBench(b.st, b.name, time.Now, uuid.NewString)
	}
	setUp := time.Since(began)
	pullStart := time.Now()
	initial := make([]error, len(bs))
	var pulls sync.WaitGroup
	for i, b := range bs {
		pulls.Go(func() { _, initial[i] = b.engine.RunOnce(ctx) })
	}
	pulls.Wait()
	require.NoError(t, errors.Join(initial...), "the initial pulls")
	initialPulls := time.Since(pullStart)

	// Each pair receives its contested devices offline, both benches, so
	// that their first pushes race on the two processes.
	for i, b := range bs {
		pair := i / 2
		for _, ti := range receivable[pair*r.contested : (pair+1)*r.contested] {
			rcpt, err := b.svc.Receive(ctx, tech, ti.IMEI)
			require.NoError(t, err)
			b.created[rcpt.EventKey] = true
			b.made.Add(1)
		}
	}

	runCtx, stopRuns := context.WithCancel(ctx)
	defer stopRuns()
	runErrs := make([]error, len(bs))
	var runs sync.WaitGroup
	start := time.Now()
	for i, b := range bs {
		runs.Go(func() { runErrs[i] = b.engine.Run(runCtx) })
	}
	var workers sync.WaitGroup
	workErrs := make([]error, len(bs))
	firstOwn := r.benches / 2 * r.contested
	for i, b := range bs {
		mine := receivable[firstOwn+i*own : firstOwn+(i+1)*own]
		workers.Go(func() { workErrs[i] = b.work(ctx, mine, gradeEach) })
	}
	workersDone := make(chan struct{})
	go func() { workers.Wait(); close(workersDone) }()

	// The kills: each when the hub has settled its share of the planned
	// events, so that pushes are in flight on both processes.
	kills := 0
	settledAt := make([]int, 0, r.kills)
	deadline := start.Add(5 * time.Minute)
	for {
		pending, made := 0, 0
		for _, b := range bs {
			n, err := b.st.CountPending(ctx)
			require.NoError(t, err)
			pending += n
			made += int(b.made.Load())
		}
		settled := made - pending
		if kills < r.kills && settled >= planned*(kills+1)/(r.kills+1) {
			victim := (kills + 1) % 2 // the second process first
			procs[victim].kill(t)
			kills++
			settledAt = append(settledAt, settled)
			// Down long enough for its benches' syncs to fail: they retry
			// with backoff until the process is back on its address.
			time.Sleep(300 * time.Millisecond)
			procs[victim].serve(t, hostOf(t, urls[victim]), logs[victim], "--webhooks-allow-private")
			continue
		}
		if kills == r.kills && pending == 0 && made == planned {
			break
		}
		select {
		case <-workersDone:
			require.NoError(t, errors.Join(workErrs...))
		default:
		}
		require.True(t, time.Now().Before(deadline), "the outboxes do not drain: %d of %d events made, %d pending, %d kills", made, planned, pending, kills)
		time.Sleep(10 * time.Millisecond)
	}
	pushPhase := time.Since(start)
	<-workersDone
	require.NoError(t, errors.Join(workErrs...))
	stopRuns()
	runs.Wait()
	for i, err := range runErrs {
		require.ErrorIs(t, err, context.Canceled, "bench %s's Run ended only when told", bs[i].name)
	}
	for k, settled := range settledAt {
		require.Less(t, settled, planned, "kill %d came while events were still pushed", k+1)
	}
	require.Positive(t, failedSyncs.Load(), "the benches of a killed process saw their syncs fail")

	// Pull until nothing changes: every bench has every other's events.
	convergeStart := time.Now()
	for round := 0; ; round++ {
		require.Less(t, round, 5, "the benches' pulls do not settle")
		changed := false
		for _, b := range bs {
			sum, err := b.engine.RunOnce(ctx)
			require.NoError(t, err, "bench %s", b.name)
			changed = changed || sum.Items > 0 || sum.Applied+sum.Rejected+sum.Duplicates > 0
		}
		if !changed {
			break
		}
	}

	converge := time.Since(convergeStart)
	drainStart := time.Now()
	raw := hubtest.Raw(t, db)
	swept := drainWebhooks(t, raw, rc, procs, r.sweep, db)
	webhookDrain := time.Since(drainStart)
	for _, p := range procs {
		if p.cmd.ProcessState == nil {
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			require.NoError(t, p.cmd.Wait(), "the hub process shuts down cleanly")
		}
	}

	h, err = hub.Open(ctx, db, hub.Config{})
	require.NoError(t, err)
	defer h.Close()
	figs := twoProcessFigures{kills: kills, failedSyncs: failedSyncs.Load(), pushPhase: pushPhase, swept: swept, webhookDrain: webhookDrain}
	applied := checkEventsOnce(t, h, bs, planned, &figs)
	checkContested(t, h, bs, receivable, r.contested)
	figs.webhooks, figs.posts = checkWebhooksOnce(t, h, raw, rc, endpointID, applied)
	checkConverged(t, h, bs, seeded)
	t.Logf("%d benches, %d trade-ins: set-up %s, initial pulls %s, pushes through %d kills %s, pulls until nothing changed %s, webhook drain %s (%d swept), checks %s",
		r.benches, seeded, setUp.Round(time.Millisecond), initialPulls.Round(time.Millisecond), kills, pushPhase.Round(time.Millisecond),
		converge.Round(time.Millisecond), webhookDrain.Round(time.Millisecond), swept, time.Since(drainStart.Add(webhookDrain)).Round(time.Millisecond))
	return figs
}

// work receives the bench's own devices, and grades one in gradeEach,
// nudging the engine now and then as the app does after a scan.
func (b *procBench) work(ctx context.Context, mine []intake.TradeIn, gradeEach int) error {
	for n, ti := range mine {
		rcpt, err := b.svc.Receive(ctx, tech, ti.IMEI)
		if err != nil {
			return fmt.Errorf("bench %s receives %s: %w", b.name, ti.ID, err)
		}
		b.created[rcpt.EventKey] = true
		b.made.Add(1)
		if n%gradeEach == 0 {
			g, err := b.svc.RecordGrading(ctx, tech, ti.ID, cleanInspection())
			if err != nil {
				return fmt.Errorf("bench %s grades %s: %w", b.name, ti.ID, err)
			}
			b.created[g.EventKey] = true
			b.made.Add(1)
		}
		if n%25 == 0 {
			b.engine.Nudge()
		}
	}
	b.engine.Nudge()
	return nil
}

func hostOf(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Host
}

// drainWebhooks waits until every webhook delivery is delivered and the
// receiver has every one. A delivery whose attempt a killed process had
// in flight stays leased to it until the lease ends (the attempt timeout
// and 30 s of slack); with sweep, once nothing else is due, the hub
// processes are stopped and the hub's dispatcher, on a clock moved past
// the leases, delivers those, as the live processes would when the leases
// end. It returns how many deliveries the sweep made.
func drainWebhooks(t testing.TB, raw *sql.DB, rc *hookReceiver, procs []*hubProcess, sweep bool, db string) int {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Minute)
	stableSince, lastPending := time.Now(), -1
	for {
		var total, pending, due int
		var lastLease sql.NullInt64
		// The time is spelled in the query: the placeholders of SQLite
		// and PostgreSQL differ.
		require.NoError(t, raw.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*),
				COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN state = 'pending' AND next_attempt_at <= %d THEN 1 ELSE 0 END), 0),
				MAX(CASE WHEN state = 'pending' THEN next_attempt_at END)
			FROM webhook_deliveries`, time.Now().UnixMilli())).Scan(&total, &pending, &due, &lastLease))
		if pending == 0 && rc.distinct() >= total {
			return 0
		}
		if pending != lastPending || due > 0 {
			stableSince, lastPending = time.Now(), pending
		}
		if sweep && time.Since(stableSince) > time.Second {
			return sweepLeased(t, procs, db, time.UnixMilli(lastLease.Int64))
		}
		require.True(t, time.Now().Before(deadline), "after 3 minutes %d of %d webhook deliveries are pending and the receiver has %d distinct ids",
			pending, total, rc.distinct())
		time.Sleep(50 * time.Millisecond)
	}
}

// sweepLeased stops the hub processes and delivers the pending deliveries
// with the hub's dispatcher on a clock past lastLease.
func sweepLeased(t testing.TB, procs []*hubProcess, db string, lastLease time.Time) int {
	t.Helper()
	ctx := context.Background()
	for _, p := range procs {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		require.NoError(t, p.cmd.Wait(), "the hub process shuts down cleanly")
	}
	key, err := base64.RawStdEncoding.DecodeString(hubSecretKey)
	require.NoError(t, err)
	sealer, err := webhook.NewSealer(key)
	require.NoError(t, err)
	h, err := hub.Open(ctx, db, hub.Config{})
	require.NoError(t, err)
	defer h.Close()
	shift := time.Until(lastLease) + time.Second
	d, err := webhook.New(h.DB(), webhook.Config{Secrets: sealer, AllowPrivateTargets: true,
		Now: func() time.Time { return time.Now().Add(shift) }})
	require.NoError(t, err)
	swept := 0
	for range 100 {
		n, err := d.DeliverDue(ctx)
		require.NoError(t, err)
		if n == 0 {
			return swept
		}
		swept += n
	}
	t.Fatalf("the sweep does not end: %d deliveries", swept)
	return swept
}

// checkEventsOnce checks that the hub holds every event of every bench
// once, in its sequence, settled at the bench as the hub decided, and
// that every bench's outbox is empty. It returns the applied events' keys,
// and whose they are.
func checkEventsOnce(t testing.TB, h *hub.Hub, bs []*procBench, planned int, figs *twoProcessFigures) map[string]string {
	t.Helper()
	ctx := context.Background()
	applied := map[string]string{}
	for _, b := range bs {
		pending, err := b.st.CountPending(ctx)
		require.NoError(t, err)
		require.Zero(t, pending, "bench %s's outbox is empty", b.name)
		recorded, err := h.BenchEvents(ctx, b.name)
		require.NoError(t, err)
		require.Len(t, recorded, len(b.created), "bench %s: the hub holds every event, once", b.name)
		rejected, err := b.st.RejectedEvents(ctx)
		require.NoError(t, err)
		rejectedHere := map[string]bool{}
		for _, e := range rejected {
			rejectedHere[e.Key] = true
		}
		for n, e := range recorded {
			require.EqualValues(t, n+1, e.Seq, "bench %s: the stream has no gap", b.name)
			require.True(t, b.created[e.Key], "bench %s: the hub holds an event the bench never made", b.name)
			require.Equal(t, e.Status == wire.StatusRejected, rejectedHere[e.Key], "bench %s: event %d settled as the hub decided", b.name, e.Seq)
			if e.Status == wire.StatusRejected {
				require.Equal(t, wire.RejectAlreadyReceived, e.Code, "bench %s: only the arbiter rejects", b.name)
				figs.rejected++
				continue
			}
			_, twice := applied[e.Key]
			require.False(t, twice, "event %s applied for two benches", e.Key)
			applied[e.Key] = b.name
		}
		figs.events += len(recorded)
	}
	require.Equal(t, planned, figs.events, "the benches made the planned events")
	figs.applied = len(applied)
	return applied
}

// checkContested checks that each contested device has one receipt, by
// one bench of its pair, whose partner's receipt was rejected.
func checkContested(t testing.TB, h *hub.Hub, bs []*procBench, receivable []intake.TradeIn, contested int) {
	t.Helper()
	ctx := context.Background()
	for pair := range len(bs) / 2 {
		a, b := bs[2*pair], bs[2*pair+1]
		for _, ti := range receivable[pair*contested : (pair+1)*contested] {
			rcpt, ok, err := h.Receipt(ctx, ti.ID)
			require.NoError(t, err)
			require.True(t, ok, "contested trade-in %s was received", ti.ID)
			require.True(t, (rcpt.Bench == a.name && a.created[rcpt.EventKey]) || (rcpt.Bench == b.name && b.created[rcpt.EventKey]),
				"trade-in %s: the receipt is one of its pair's, %s or %s, not %s", ti.ID, a.name, b.name, rcpt.Bench)
		}
	}
}

// checkWebhooksOnce checks that every applied event has one webhook
// delivery, delivered, and that the receiver got each under one id, with
// the body of that id: redeliveries after a kill are the same id again,
// which a receiver deduplicating on X-Webhook-Id sees once. It returns
// the deliveries and the POSTs.
func checkWebhooksOnce(t testing.TB, h *hub.Hub, raw *sql.DB, rc *hookReceiver, endpointID string, applied map[string]string) (int, int) {
	t.Helper()
	ctx := context.Background()
	var rows []hubdb.WebhookDelivery
	var outboxEvents int
	require.NoError(t, h.DB().View(ctx, func(tx *hubdb.Tx) (err error) {
		if rows, err = tx.WebhookDeliveries(ctx, endpointID); err != nil {
			return err
		}
		outboxEvents, err = tx.CountWebhookEvents(ctx)
		return err
	}))
	keyOf := map[string]string{} // webhook event id → applied event key
	bodies, err := raw.QueryContext(ctx, `SELECT id, body FROM webhook_events`)
	require.NoError(t, err)
	for bodies.Next() {
		var id string
		var body []byte
		require.NoError(t, bodies.Scan(&id, &body))
		var env struct {
			Data struct {
				Key string `json:"key"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &env), "webhook event %s", id)
		keyOf[id] = env.Data.Key
	}
	require.NoError(t, bodies.Err())
	require.NoError(t, bodies.Close())

	var notDelivered, stray []string
	idOfKey := map[string]string{}
	for _, d := range rows {
		if d.State != webhook.StateDelivered {
			notDelivered = append(notDelivered, fmt.Sprintf("delivery %d (event %s) is %s: %s", d.ID, d.EventID, d.State, d.LastError))
		}
		key := keyOf[d.EventID]
		if applied[key] == "" {
			stray = append(stray, fmt.Sprintf("delivery %d: event %s names %q, which was not applied", d.ID, d.EventID, key))
		}
		prev, twice := idOfKey[key]
		require.False(t, twice, "event %s has two webhook deliveries: %s and %s", key, prev, d.EventID)
		idOfKey[key] = d.EventID
	}
	var lost []string
	for key, who := range applied {
		if idOfKey[key] == "" {
			lost = append(lost, fmt.Sprintf("%s's event %s has no webhook delivery", who, key))
		}
	}
	assert.Empty(t, first(lost, 10), "%d applied events without a webhook", len(lost))
	assert.Empty(t, first(stray, 10), "%d webhooks of events not applied", len(stray))
	assert.Empty(t, first(notDelivered, 10), "%d webhooks not delivered", len(notDelivered))
	assert.Equal(t, len(rows), outboxEvents, "every webhook event has its delivery")

	posts := rc.received()
	postsOf := map[string]int{}
	var bad []string
	for _, p := range posts {
		switch {
		case p.err != nil:
			bad = append(bad, fmt.Sprintf("POST of %s: %v", p.id, p.err))
		case p.bodyID != p.id:
			bad = append(bad, fmt.Sprintf("POST with header id %s carries event %s", p.id, p.bodyID))
		case p.key != keyOf[p.id] || idOfKey[p.key] != p.id:
			bad = append(bad, fmt.Sprintf("POST of %s names event %s, its outbox %s", p.id, p.key, keyOf[p.id]))
		}
		postsOf[p.id]++
	}
	assert.Empty(t, first(bad, 10), "%d bad POSTs", len(bad))
	// Deduplicated by id, the receiver has each applied event once.
	assert.Len(t, postsOf, len(applied), "one webhook id per applied event reached the receiver")
	return len(rows), len(posts)
}

// checkConverged checks that every bench holds the hub's state of every
// seeded trade-in, so that all benches hold the same.
func checkConverged(t testing.TB, h *hub.Hub, bs []*procBench, seeded int) {
	t.Helper()
	ctx := context.Background()
	for _, b := range bs {
		count, err := b.st.CountTradeIns(ctx)
		require.NoError(t, err)
		require.Equal(t, seeded, count, "bench %s caches every trade-in", b.name)
	}
	for i := 1; i <= seeded; i++ {
		want, err := h.TradeIn(ctx, tradeInID(i))
		require.NoError(t, err)
		for _, b := range bs {
			got, err := b.st.TradeIn(ctx, want.ID)
			require.NoError(t, err)
			require.Equal(t, want.Status, got.Status, "bench %s, trade-in %s", b.name, want.ID)
			require.Equal(t, want.Receipt, got.Receipt, "bench %s, trade-in %s", b.name, want.ID)
			require.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "bench %s, trade-in %s", b.name, want.ID)
		}
	}
}
