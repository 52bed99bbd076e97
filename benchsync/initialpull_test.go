package benchsync_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// watchedStore is a bench's store that, after every batch a pull applies,
// looks trade-ins applied so far up as scans would, while the pull goes on
// writing the next batch.
type watchedStore struct {
	*store.Store
	t       *testing.T
	checks  sync.WaitGroup
	mu      sync.Mutex
	applied []intake.TradeIn
	calls   []string // what the engine asked of the store, in order
}

func (w *watchedStore) record(call string) {
	w.mu.Lock()
	w.calls = append(w.calls, call)
	w.mu.Unlock()
}

func (w *watchedStore) DeferCacheIndexes(ctx context.Context) (bool, error) {
	deferred, err := w.Store.DeferCacheIndexes(ctx)
	if deferred {
		w.record("defer indexes")
	}
	return deferred, err
}

func (w *watchedStore) BuildCacheIndexes(ctx context.Context) error {
	w.record("build indexes")
	return w.Store.BuildCacheIndexes(ctx)
}

func (w *watchedStore) ApplyChanges(ctx context.Context, c store.Changes, cursor string) error {
	if err := w.Store.ApplyChanges(ctx, c, cursor); err != nil {
		return err
	}
	w.record("apply")
	w.mu.Lock()
	w.applied = append(w.applied, c.TradeIns...)
	// Every batch's first and last, and a spread of all before.
	var probe []intake.TradeIn
	for i := 0; i < len(w.applied); i += max(len(w.applied)/20, 1) {
		probe = append(probe, w.applied[i])
	}
	if len(c.TradeIns) > 0 {
		probe = append(probe, c.TradeIns[0], c.TradeIns[len(c.TradeIns)-1])
	}
	w.mu.Unlock()
	w.checks.Go(func() {
		for _, ti := range probe {
			got, err := w.TradeInsByIdentifier(context.Background(), intake.Identifier{Kind: intake.KindIMEI, Value: ti.IMEI})
			if assert.NoError(w.t, err) && assert.Len(w.t, got, 1, "IMEI %s applied", ti.IMEI) {
				assert.Equal(w.t, ti.ID, got[0].ID)
			}
		}
	})
	return nil
}

// A large initial pull leaves the store's indexes out and makes them at
// its end, and the bench stays usable all along: a scan matches every
// trade-in applied so far, while the next batch is being written.
func TestScansMatchWhileALargePullRuns(t *testing.T) {
	const n = 25_000
	h := hubtest.New(t, hubtest.Config{Unlimited: true})
	seedBulk(t, h.Hub, n, 0)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	defer st.Close()
	w := &watchedStore{Store: st, t: t}
	client, err := benchsync.NewClient(h.URL, h.Enroll(t, "bench"), benchsync.WithRequestTimeout(10*time.Second))
	require.NoError(t, err)
	sum, err := benchsync.New(w, client, "bench", benchsync.WithLargePull(n/2)).RunOnce(ctx)
	require.NoError(t, err)
	w.checks.Wait()

	assert.Equal(t, []string{"defer indexes", "apply", "apply", "apply", "build indexes"}, w.calls,
		"indexes out for the pull's three batches, made at its end")
	assert.Greater(t, sum.Items, n)
	count, err := st.CountTradeIns(ctx)
	require.NoError(t, err)
	assert.Equal(t, n, count)
	require.NoError(t, st.IntegrityCheck(ctx))
}

// A small pull keeps the indexes up: making them again would cost more.
func TestASmallPullKeepsTheIndexes(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 300, Unlimited: true})
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	defer st.Close()
	w := &watchedStore{Store: st, t: t}
	client, err := benchsync.NewClient(h.URL, h.Enroll(t, "bench"))
	require.NoError(t, err)
	_, err = benchsync.New(w, client, "bench", benchsync.WithBatch(500, 100)).RunOnce(ctx)
	require.NoError(t, err)
	w.checks.Wait()
	assert.Equal(t, []string{"apply", "build indexes"}, w.calls, "none to build: the pull kept them up")
}

// The engine tells how far a pull from the start of the log has come, of
// how much: the hub says how much on the first page.
func TestInitialPullReportsItsProgress(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 2500, Unlimited: true})
	total := h.Seeded.TradeIns + h.Seeded.Flags + h.Seeded.Variants + h.Seeded.Operators
	var mu sync.Mutex
	var pulling []benchsync.Status
	b := newBench(t, h, "bench", h.URL, benchsync.WithBatch(500, 1000), benchsync.WithStatus(func(s benchsync.Status) {
		mu.Lock()
		defer mu.Unlock()
		if s.State == benchsync.StatePulling && s.Total > 0 {
			pulling = append(pulling, s)
		}
	}))
	sum := b.sync(t)
	require.Equal(t, total, sum.Items)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, pulling)
	first, last := pulling[0], pulling[len(pulling)-1]
	assert.Equal(t, []int{total, 0}, []int{first.Total, first.Items}, "the total is known before anything is applied")
	assert.Equal(t, []int{total, total}, []int{last.Total, last.Items})

	// A pull that goes on from a cursor is told no total: the hub counts
	// only for a read from the start.
	require.NoError(t, h.PutTradeIns(context.Background(), h.Receivable(t)[:1]))
	pulling = nil
	mu.Unlock()
	b.sync(t)
	mu.Lock()
	assert.Empty(t, pulling)
}

// An initial pull cut off by the end of the process (a crash, a power
// cut) leaves the store without its indexes; the next pull makes them,
// even when it fails at once because the hub is away.
func TestIndexesComeBackAfterAPullCutOffWhenTheHubIsAway(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	st, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer st.Close()
	deferred, err := st.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	require.True(t, deferred)
	require.Equal(t, 0, indexCount(t, path))

	away := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer away.Close()
	client, err := benchsync.NewClient(away.URL, "token")
	require.NoError(t, err)
	_, err = benchsync.New(st, client, "bench", benchsync.WithRetry(1, time.Millisecond, time.Millisecond)).RunOnce(ctx)
	require.Error(t, err)
	assert.False(t, benchsync.StoreFailed(err), "the hub failed, not the store: %v", err)
	assert.Equal(t, 7, indexCount(t, path), "the identifier indexes and the unit labels'")
}

// indexCount counts the indexes of the bench's trade-ins cache, reading
// the file behind the store's back.
func indexCount(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tradeins' AND sql IS NOT NULL`).Scan(&n))
	return n
}
