package benchsync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

var tech = intake.Operator{ID: "op-tech-1", Name: "Tess Tech", Role: intake.RoleTechnician}

// bench is a bench as the app runs it: a real store file, the bench
// service, and the engine syncing them with a real hub.
type bench struct {
	client *benchsync.Client
	name   string
	token  string
	store  *store.Store
	svc    *intake.Bench
	engine *benchsync.Engine
}

func newBench(t testing.TB, h *hubtest.Hub, name, url string, opts ...benchsync.Option) *bench {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), name+".db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	token := h.Enroll(t, name)
	client, err := benchsync.NewClient(url, token, benchsync.WithRequestTimeout(5*time.Second))
	require.NoError(t, err)
	opts = append([]benchsync.Option{benchsync.WithRetry(5, time.Millisecond, 20*time.Millisecond)}, opts...)
	return &bench{name: name, token: token, store: st, client: client, engine: benchsync.New(st, client, name, opts...),
		svc: intake.NewBench(st, name, time.Now, uuid.NewString)}
}

func (b *bench) sync(t testing.TB) benchsync.Summary {
	t.Helper()
	sum, err := b.engine.RunOnce(context.Background())
	require.NoError(t, err, "bench %s", b.name)
	return sum
}

func tradeInID(n int) string { return fmt.Sprintf("ti-%08d", n) }

// requireConverged checks that the bench's cache holds the hub's state of
// every trade-in from 1 to n.
func requireConverged(t testing.TB, h *hubtest.Hub, b *bench, n int) {
	t.Helper()
	ctx := context.Background()
	count, err := b.store.CountTradeIns(ctx)
	require.NoError(t, err)
	require.Equal(t, n, count, "bench %s caches every trade-in", b.name)
	for i := 1; i <= n; i++ {
		want, err := h.TradeIn(ctx, tradeInID(i))
		require.NoError(t, err)
		got, err := b.store.TradeIn(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want.Status, got.Status, "bench %s, trade-in %s", b.name, want.ID)
		require.Equal(t, want.Receipt, got.Receipt, "bench %s, trade-in %s", b.name, want.ID)
		require.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "bench %s, trade-in %s", b.name, want.ID)
	}
}

func TestReceiptReachesOtherBenches(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 50})
	ctx := context.Background()
	var statuses []benchsync.Status
	a := newBench(t, h, "bench-a", h.URL, benchsync.WithStatus(func(s benchsync.Status) { statuses = append(statuses, s) }), benchsync.WithBatch(500, 20))
	b := newBench(t, h, "bench-b", h.URL)

	sum := a.sync(t)
	assert.Greater(t, sum.Pages, 1, "pulled in pages of 20")
	seeded := h.Seeded
	assert.Equal(t, seeded.TradeIns+seeded.Operators+seeded.Variants+seeded.Flags, sum.Items, "every entity arrived")
	b.sync(t)
	last := statuses[len(statuses)-1]
	assert.True(t, last.Online)
	assert.False(t, last.LastSync.IsZero())
	assert.Equal(t, sum.Pages, last.Pages, "progress is reported page by page")
	cred, err := a.store.CredentialByID(ctx, tech.ID)
	require.NoError(t, err)
	ok, err := intake.VerifyPIN(cred.PINHash, "111111")
	require.NoError(t, err)
	assert.True(t, ok, "operators arrive with a PIN hash the bench can check offline")
	v := demo.Variants()[5]
	got, err := a.store.Variant(ctx, v.SKU)
	require.NoError(t, err)
	assert.Equal(t, v.Prices, got.Prices, "the catalog arrives with its prices")

	ti := h.Receivable(t)[3]
	r, err := a.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)
	a.engine.Nudge()
	sum = a.sync(t)
	assert.Equal(t, 1, sum.Applied)
	assert.Equal(t, 0, a.engine.Status().Pending)

	b.sync(t)
	m, err := b.svc.Lookup(ctx, ti.IMEI)
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeAlreadyReceived, m.Outcome, "bench b sees bench a's receipt")
	require.NotNil(t, m.Receipt)
	assert.Equal(t, "bench-a", m.Receipt.Bench)
	assert.True(t, r.At.Equal(m.Receipt.At))
	requireConverged(t, h, a, 50)
	requireConverged(t, h, b, 50)
}

// TestTwoBenchesRaceForOneDevice has two benches receive the same device
// offline and then push at the same moment, sixty times: the hub gives
// exactly one receipt each time, and the other bench's event is rejected as
// already_received naming the winner. With two hub processes on one
// database, each bench pushing to its own, the database is the only
// arbiter and the answer is the same.
func TestTwoBenchesRaceForOneDevice(t *testing.T) {
	t.Run("one hub process", func(t *testing.T) { raceForOneDevice(t, 1) })
	t.Run("two hub processes", func(t *testing.T) { raceForOneDevice(t, 2) })
}

func raceForOneDevice(t *testing.T, processes int) {
	const rounds = 60
	h := hubtest.New(t, hubtest.Config{TradeIns: rounds + 10, Unlimited: true})
	receivable := h.Receivable(t)
	require.GreaterOrEqual(t, len(receivable), rounds)
	ctx := context.Background()
	second := h.URL
	if processes == 2 {
		second = h.Another(t)
	}
	benches := []*bench{newBench(t, h, "bench-a", h.URL), newBench(t, h, "bench-b", second)}
	for _, b := range benches {
		b.sync(t)
	}
	wins := map[string]int{}
	for i, ti := range receivable[:rounds] {
		keys := map[string]string{} // bench → event key
		for _, b := range benches {
			r, err := b.svc.Receive(ctx, tech, ti.IMEI)
			require.NoError(t, err, "each bench receives offline")
			keys[b.name] = r.EventKey
		}
		var wg sync.WaitGroup
		errs := make([]error, len(benches))
		for j, b := range benches {
			wg.Go(func() { _, errs[j] = b.engine.RunOnce(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		receipt, ok, err := h.Receipt(ctx, ti.ID)
		require.NoError(t, err)
		require.True(t, ok, "round %d: one bench got the receipt", i)
		winner := receipt.Bench
		wins[winner]++
		require.Equal(t, keys[winner], receipt.EventKey, "round %d: the receipt is the winner's event", i)
		for _, b := range benches {
			if b.name == winner {
				continue
			}
			rejected, err := b.store.RejectedEvents(ctx)
			require.NoError(t, err)
			require.NotEmpty(t, rejected, "round %d: the loser's receipt was rejected", i)
			last := rejected[len(rejected)-1]
			require.Equal(t, keys[b.name], last.Key)
			var res wire.EventResult
			require.NoError(t, json.Unmarshal(last.Result, &res))
			require.Equal(t, wire.RejectAlreadyReceived, res.Code)
			require.NotNil(t, res.Receipt)
			require.Equal(t, winner, res.Receipt.Bench, "round %d: the conflict names the winner", i)
			require.Contains(t, res.Detail, winner)
		}
	}
	for _, b := range benches {
		rejected, err := b.store.RejectedEvents(ctx)
		require.NoError(t, err)
		assert.Equal(t, rounds-wins[b.name], len(rejected), "bench %s", b.name)
		b.sync(t)
		requireConverged(t, h, b, h.Seeded.TradeIns)
	}
	t.Logf("wins: %v", wins)
}

func TestExpiredCursorResyncsFromScratch(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 30})
	ctx := context.Background()
	b := newBench(t, h, "b1", h.URL)
	b.sync(t)
	ti := h.Receivable(t)[2]
	_, err := b.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)

	flagged := intake.Flag{IMEI: "353918050000005", Kind: intake.FlagBlacklisted, Reason: "stolen", Since: time.Now().UTC()}
	require.NoError(t, h.PutFlags(ctx, []hub.RegistryEntry{{Flag: flagged}}))
	b.sync(t)
	_, ok, err := b.store.FlagFor(ctx, flagged.IMEI)
	require.NoError(t, err)
	require.True(t, ok)

	// While the bench is away the flag is cleared and the tombstone compacted.
	require.NoError(t, h.ClearFlags(ctx, []string{flagged.IMEI}))
	require.NoError(t, h.DeleteOperators(ctx, []string{"op-clerk-1"}))
	_, err = h.CompactChanges(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)

	sum := b.sync(t)
	assert.True(t, sum.Resynced)
	_, ok, err = b.store.FlagFor(ctx, flagged.IMEI)
	require.NoError(t, err)
	assert.False(t, ok, "the full resync dropped the cleared flag")
	_, err = b.store.CredentialByID(ctx, "op-clerk-1")
	assert.ErrorIs(t, err, intake.ErrNotFound)
	_, ok, err = b.store.LocalReceipt(ctx, ti.ID)
	require.NoError(t, err)
	assert.True(t, ok, "what the bench did itself survives a resync")
	requireConverged(t, h, b, 30)
	assert.False(t, b.sync(t).Resynced, "the new cursor is good")
}

func TestRevokedBenchStopsAndKeepsItsData(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 5})
	ctx := context.Background()
	b := newBench(t, h, "b1", h.URL)
	b.sync(t)
	_, err := b.svc.Receive(ctx, tech, h.Receivable(t)[0].IMEI)
	require.NoError(t, err)
	require.NoError(t, h.RevokeBench(ctx, "b1"))

	err = b.engine.Run(ctx)
	require.Error(t, err, "Run ends when the hub refuses the bench")
	assert.True(t, benchsync.Refused(err))
	var he *benchsync.HubError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, wire.CodeBenchRevoked, he.Code())
	assert.Equal(t, benchsync.StateStopped, b.engine.Status().State)
	n, err := b.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the receipt waits in the outbox")
	count, err := b.store.CountTradeIns(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, count, "the cache is kept")
}

// TestRecreatedOutboxNeedsANewEnrollment: a bench whose database was
// recreated while its token was kept reuses sequence numbers the hub has
// seen; the hub refuses them until the bench enrolls again, and then takes
// the new outbox as it is.
func TestRecreatedOutboxNeedsANewEnrollment(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 5})
	ctx := context.Background()
	first := newBench(t, h, "b1", h.URL)
	first.sync(t)
	receivable := h.Receivable(t)
	receive := func(svc *intake.Bench, n int) {
		t.Helper()
		_, err := svc.Receive(ctx, tech, receivable[n].IMEI)
		require.NoError(t, err)
	}
	receive(first.svc, 0)
	receive(first.svc, 1)
	first.sync(t)

	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "recreated.db"))
	require.NoError(t, err)
	defer st.Close()
	client, err := benchsync.NewClient(h.URL, first.token)
	require.NoError(t, err)
	svc, engine := intake.NewBench(st, "b1", time.Now, uuid.NewString), benchsync.New(st, client, "b1")
	_, err = engine.RunOnce(ctx)
	require.NoError(t, err, "pulling needs no sequence")
	receive(svc, 2)
	_, err = engine.RunOnce(ctx)
	var se *benchsync.SequenceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, wire.CodeSequenceConflict, se.Code)
	assert.EqualValues(t, 3, se.Expected)
	assert.EqualValues(t, 1, se.First)
	assert.Contains(t, err.Error(), "enroll the bench again")
	assert.False(t, benchsync.Retryable(err))

	client, err = benchsync.NewClient(h.URL, h.Enroll(t, "b1"))
	require.NoError(t, err)
	engine = benchsync.New(st, client, "b1")
	sum, err := engine.RunOnce(ctx)
	require.NoError(t, err, "a new enrollment starts a new stream")
	assert.Equal(t, 1, sum.Applied)
	receipt, ok, err := h.Receipt(ctx, receivable[2].ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "b1", receipt.Bench)
}
