package benchsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

// The engine's tests below run against a scripted hub: one that loses an
// answer, repeats a cursor or fails once exactly when the test says, which
// a real hub cannot be made to do on cue.

// eventKey is the n-th event key outboxStore makes: a UUID, as the
// contract wants.
func eventKey(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// outboxStore is a real bench store whose outbox holds the receipts of n
// devices, with event keys eventKey(1) to eventKey(n).
func outboxStore(t *testing.T, n int) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	imeis := []string{"356938035643809", "490154203237518", "352099001761481", "358240051111110"}[:n]
	var tradeIns []intake.TradeIn
	for i, imei := range imeis {
		tradeIns = append(tradeIns, intake.TradeIn{ID: tradeInID(i + 1), Reference: fmt.Sprint("TI-", i+1), Status: intake.StatusShipped, IMEI: imei,
			Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Disclosed: intake.ConditionGood, Offer: 32000,
			UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	}
	require.NoError(t, st.ApplyChanges(ctx, store.Changes{TradeIns: tradeIns}, "c0"))
	keys := 0
	svc := intake.NewBench(st, "bench-s", time.Now, func() string { keys++; return eventKey(keys) })
	for _, imei := range imeis {
		_, err := svc.Receive(ctx, tech, imei)
		require.NoError(t, err)
	}
	return st
}

// pushAnswer answers a push event by event.
func pushAnswer(t *testing.T, answer func(i int, ev wire.Event) wire.EventResult) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var req wire.PushRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("push body: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp := wire.PushResponse{Results: make([]wire.EventResult, len(req.Events))}
		for i, ev := range req.Events {
			resp.Results[i] = answer(i, ev)
			resp.Results[i].Seq, resp.Results[i].Key = ev.Seq, ev.Key
		}
		b, err := json.Marshal(resp)
		require.NoError(t, err)
		answerJSON(http.StatusOK, string(b))(w, nil, nil)
	}
}

func problem(status int, code string, expected int64) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", wire.ProblemContentType)
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"status":%d,"code":%q,"title":"no","expected_seq":%d}`, status, code, expected)
	}
}

// hubAt routes a scripted hub's pushes and pulls.
func hubAt(t *testing.T, rec *recorder, push, pull func(http.ResponseWriter, *http.Request, []byte)) *benchsync.Client {
	t.Helper()
	url := rec.serve(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case "/v1/events":
			push(w, r, body)
		case "/v1/changes":
			pull(w, r, body)
		default:
			http.NotFound(w, r)
		}
	})
	c, err := benchsync.NewClient(url, "token")
	require.NoError(t, err)
	return c
}

func (rec *recorder) count(path string) int {
	n := 0
	for _, r := range rec.requests() {
		if r.path == path {
			n++
		}
	}
	return n
}

// Every answer of a push is settled and counted as the hub gave it: a
// duplicate of a rejected event is a rejection, and the status adds up all
// that was pushed.
func TestPushSettlesAndCountsEveryAnswer(t *testing.T) {
	ctx := context.Background()
	st := outboxStore(t, 4)
	answers := []wire.EventResult{
		{Status: wire.StatusApplied},
		{Status: wire.StatusDuplicate, Original: wire.StatusApplied},
		{Status: wire.StatusDuplicate, Original: wire.StatusRejected, Code: wire.RejectAlreadyReceived},
		{Status: wire.StatusRejected, Code: wire.RejectAlreadyReceived},
	}
	var rec recorder
	client := hubAt(t, &rec, pushAnswer(t, func(i int, _ wire.Event) wire.EventResult { return answers[i] }), answerJSON(200, emptyPage))
	var last benchsync.Status
	engine := benchsync.New(st, client, "bench-s", benchsync.WithRetry(1, time.Millisecond, time.Millisecond),
		benchsync.WithStatus(func(s benchsync.Status) { last = s }))

	sum, err := engine.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, benchsync.Summary{Applied: 1, Duplicates: 1, Rejected: 2, Pages: 1}, sum)
	assert.Equal(t, 1, rec.count("/v1/events"), "four events, one push")
	assert.Equal(t, benchsync.StateIdle, last.State)
	assert.True(t, last.Online)
	assert.Equal(t, [4]int{4, 1, 2, 0}, [4]int{last.Pushed, last.Duplicates, last.Rejected, last.Pending})
	rejected, err := st.RejectedEvents(ctx)
	require.NoError(t, err)
	var keys []string
	for _, e := range rejected {
		keys = append(keys, e.Key)
	}
	assert.Equal(t, []string{"00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004"}, keys)
	n, err := st.CountPending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
}

// RunOnce retries what may pass, up to its attempts, and nothing else.
func TestRunOnceRetries(t *testing.T) {
	tests := []struct {
		name     string
		failures int // pushes answered with the problem before the hub takes them
		status   int
		code     string
		attempts int
		pushes   int
		err      string
	}{
		{"a busy hub, once", 1, http.StatusServiceUnavailable, wire.CodeOverloaded, 3, 2, ""},
		{"a busy hub, twice of three", 2, http.StatusServiceUnavailable, wire.CodeOverloaded, 3, 3, ""},
		{"a hub down", 100, http.StatusServiceUnavailable, wire.CodeOverloaded, 3, 3, "hub answered 503"},
		{"a single attempt", 100, http.StatusBadGateway, wire.CodeInternal, 1, 1, "hub answered 502"},
		{"a refusal is not retried", 100, http.StatusUnauthorized, wire.CodeBenchRevoked, 3, 1, "hub answered 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := outboxStore(t, 1)
			var pushes atomic.Int64
			var rec recorder
			applied := pushAnswer(t, func(int, wire.Event) wire.EventResult { return wire.EventResult{Status: wire.StatusApplied} })
			client := hubAt(t, &rec, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if pushes.Add(1) <= int64(tt.failures) {
					problem(tt.status, tt.code, 0)(w, r, body)
					return
				}
				applied(w, r, body)
			}, answerJSON(200, emptyPage))
			engine := benchsync.New(st, client, "bench-s", benchsync.WithRetry(tt.attempts, time.Millisecond, time.Millisecond))
			sum, err := engine.RunOnce(context.Background())
			assert.EqualValues(t, tt.pushes, pushes.Load())
			if tt.err == "" {
				require.NoError(t, err)
				assert.Equal(t, 1, sum.Applied)
				return
			}
			require.ErrorContains(t, err, tt.err)
			var se *benchsync.SequenceError
			assert.False(t, errors.As(err, &se), "only a sequence problem is a sequence error")
		})
	}
}

func TestSequenceGapStopsThePush(t *testing.T) {
	st := outboxStore(t, 2)
	var rec recorder
	client := hubAt(t, &rec, problem(http.StatusConflict, wire.CodeSequenceGap, 7), answerJSON(200, emptyPage))
	engine := benchsync.New(st, client, "bench-s", benchsync.WithRetry(3, time.Millisecond, time.Millisecond))
	_, err := engine.RunOnce(context.Background())
	var se *benchsync.SequenceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, wire.CodeSequenceGap, se.Code)
	assert.EqualValues(t, 7, se.Expected)
	assert.EqualValues(t, 1, se.First)
	assert.Equal(t, 1, rec.count("/v1/events"), "not retried")
	assert.Zero(t, rec.count("/v1/changes"), "no pull after a failed push")
}

// flagChanges makes n flag changes from seq on, on valid IMEIs.
func flagChanges(t *testing.T, seq, n int) []wire.Change {
	t.Helper()
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	out := make([]wire.Change, n)
	for i := range out {
		body := fmt.Sprintf("35391805%06d", seq+i)
		check, err := intake.LuhnCheckDigit(body)
		require.NoError(t, err)
		imei := body + string(check)
		out[i] = wire.Change{Seq: int64(seq + i), Entity: wire.EntityFlag, Op: wire.OpUpsert, ID: imei,
			Flag: &intake.Flag{IMEI: imei, Kind: intake.FlagBlacklisted, Reason: "stolen", Since: since}}
	}
	return out
}

// pages serves scripted pages by the cursor asked for, and fails any other.
func pages(t *testing.T, byCursor map[string]wire.ChangesPage) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		p, ok := byCursor[r.URL.Query().Get("cursor")]
		if !ok {
			problem(http.StatusServiceUnavailable, wire.CodeOverloaded, 0)(w, r, body)
			return
		}
		b, err := json.Marshal(p)
		require.NoError(t, err)
		answerJSON(http.StatusOK, string(b))(w, r, body)
	}
}

// A page that says it has more but hands back the cursor it was asked
// with would be fetched for ever: the pull stops at once, keeping what it
// had before.
func TestPullStopsWhenTheCursorDoesNotMove(t *testing.T) {
	ctx := context.Background()
	st := outboxStore(t, 0)
	var rec recorder
	stuck := pages(t, map[string]wire.ChangesPage{
		"c0": {Changes: flagChanges(t, 1, 1), NextCursor: "c1", HasMore: true},
		"c1": {Changes: flagChanges(t, 2, 1), NextCursor: "c1", HasMore: true},
	})
	var fetched atomic.Int64
	client := hubAt(t, &rec, answerJSON(500, `{}`), func(w http.ResponseWriter, r *http.Request, body []byte) {
		if fetched.Add(1) > 2 {
			// An engine that missed the stuck cursor comes back for the
			// same page: end its loop with an answer the test tells apart.
			problem(http.StatusServiceUnavailable, wire.CodeOverloaded, 0)(w, r, body)
			return
		}
		stuck(w, r, body)
	})
	engine := benchsync.New(st, client, "bench-s", benchsync.WithRetry(1, time.Millisecond, time.Millisecond))
	_, err := engine.RunOnce(ctx)
	var re *benchsync.ResponseError
	require.ErrorAs(t, err, &re)
	assert.EqualError(t, err, "pull: the hub's answer is unusable: the page says it has more but its cursor did not move")
	assert.Equal(t, 2, rec.count("/v1/changes"))
	cursor, err := st.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, "c1", cursor, "the first page is kept")
}

// A pull that fails after some pages keeps them; when keeping them fails
// too, both failures are reported.
func TestPullReportsAFailedFetchAndAFailedApply(t *testing.T) {
	st := outboxStore(t, 0)
	var rec recorder
	client := hubAt(t, &rec, answerJSON(500, `{}`), pages(t, map[string]wire.ChangesPage{
		"c0": {Changes: flagChanges(t, 1, 3), NextCursor: "c1", HasMore: true},
	}))
	engine := benchsync.New(&failingStore{Store: st, fail: "apply"}, client, "bench-s", benchsync.WithRetry(1, time.Millisecond, time.Millisecond))
	_, err := engine.RunOnce(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "hub answered 503")
	assert.Contains(t, err.Error(), "apply pulled changes: disk I/O error")
}

// batchStore records how many changes each transaction of a pull applied.
type batchStore struct {
	*store.Store
	batches []int
}

func (b *batchStore) ApplyChanges(ctx context.Context, c store.Changes, cursor string) error {
	b.batches = append(b.batches, len(c.TradeIns)+len(c.DeletedTradeIns)+len(c.Flags)+len(c.DeletedFlags)+
		len(c.Operators)+len(c.DeletedOperator)+len(c.Variants)+len(c.DeletedVariants))
	return b.Store.ApplyChanges(ctx, c, cursor)
}

// A large pull is applied ten thousand changes to a transaction: ten full
// pages together, then the rest.
func TestPullAppliesTenThousandChangesAtATime(t *testing.T) {
	ctx := context.Background()
	byCursor := map[string]wire.ChangesPage{}
	for p := range 11 {
		n, more := 1000, true
		if p == 10 {
			n, more = 1, false
		}
		byCursor[fmt.Sprint("c", p)] = wire.ChangesPage{Changes: flagChanges(t, p*1000+1, n), NextCursor: fmt.Sprint("c", p+1), HasMore: more}
	}
	bs := &batchStore{Store: outboxStore(t, 0)}
	var rec recorder
	client := hubAt(t, &rec, answerJSON(500, `{}`), pages(t, byCursor))
	engine := benchsync.New(bs, client, "bench-s", benchsync.WithBatch(500, 1000), benchsync.WithRetry(1, time.Millisecond, time.Millisecond))
	sum, err := engine.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int{10000, 1}, bs.batches)
	assert.Equal(t, benchsync.Summary{Pages: 11, Items: 10001}, sum)
	cursor, err := bs.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, "c11", cursor)
	last := flagChanges(t, 10001, 1)[0].ID
	_, ok, err := bs.FlagFor(ctx, last)
	require.NoError(t, err)
	assert.True(t, ok, "the last change of the log arrived")
	assert.True(t, strings.HasPrefix(last, "35391805010001"))
}

// The pull's prefetch stays one batch of pages ahead, not more: a small
// pull allocates a few megabytes at most. (A queue sized by multiplying
// the batch by the page size instead took 640 MB on every pull.)
func TestPullPrefetchIsBounded(t *testing.T) {
	st := outboxStore(t, 0)
	var rec recorder
	client := hubAt(t, &rec, answerJSON(500, `{}`), pages(t, map[string]wire.ChangesPage{
		"c0": {Changes: flagChanges(t, 1, 1), NextCursor: "c1"},
	}))
	engine := benchsync.New(st, client, "bench-s", benchsync.WithBatch(500, 1000), benchsync.WithRetry(1, time.Millisecond, time.Millisecond))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := engine.RunOnce(context.Background())
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(32<<20), "bytes allocated by one small pull")
}
