package benchsync_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// TestBenchGetsNamesButNoContactDetails syncs a bench enrolled with the
// default scopes: its screens show and search customers by name and its
// operators log in offline, but no customer's e-mail or phone reaches it,
// and both database files are its owner's alone.
func TestBenchGetsNamesButNoContactDetails(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 20})
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "bench.db")
	st, err := store.Open(ctx, file)
	require.NoError(t, err)
	defer st.Close()
	client, err := benchsync.NewClient(h.URL, h.Enroll(t, "bench-1"), benchsync.WithRequestTimeout(5*time.Second))
	require.NoError(t, err)
	_, err = benchsync.New(st, client, "bench-1").RunOnce(ctx)
	require.NoError(t, err)

	onHub, err := h.TradeIn(ctx, tradeInID(1))
	require.NoError(t, err)
	require.NotEmpty(t, onHub.Customer.Email, "the hub keeps the customer's e-mail")
	for i := 1; i <= 20; i++ {
		want, err := h.TradeIn(ctx, tradeInID(i))
		require.NoError(t, err)
		got, err := st.TradeIn(ctx, want.ID)
		require.NoError(t, err)
		assert.Equal(t, intake.Customer{Name: want.Customer.Name}, got.Customer, "trade-in %s", want.ID)
		assert.Equal(t, want.Tracking, got.Tracking, "trade-in %s: the manual search finds it by tracking number", want.ID)
	}
	first, _, _ := strings.Cut(onHub.Customer.Name, " ")
	found, err := st.FindTradeIns(ctx, first, 100)
	require.NoError(t, err)
	assert.Contains(t, ids(found), onHub.ID, "the manual search finds a trade-in by its customer's name")

	require.Equal(t, tech.ID, demo.Operators()[0].ID)
	cred, err := st.CredentialByID(ctx, tech.ID)
	require.NoError(t, err)
	ok, err := intake.VerifyPIN(cred.PINHash, demo.Operators()[0].PIN)
	require.NoError(t, err)
	assert.True(t, ok, "operators log in offline")

	if runtime.GOOS != "windows" {
		files := []string{file, file + "-wal", file + "-shm"}
		if !hubtest.Postgres() {
			files = append(files, h.Path, h.Path+"-wal", h.Path+"-shm")
		}
		for _, f := range files {
			info, err := os.Stat(f)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), filepath.Base(f))
		}
	}
}

// TestBenchFromBeforeViewsResyncs is a bench upgraded in place: its cache
// holds customers' e-mails and phones from a hub that sent them, under a
// cursor from before views. The hub expires that cursor, and the resync
// that follows leaves the cache without them.
func TestBenchFromBeforeViewsResyncs(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	ctx := context.Background()
	b := newBench(t, h, "b1", h.URL)
	b.sync(t)
	cursor, err := b.store.Cursor(ctx)
	require.NoError(t, err)
	legacy, ok := strings.CutSuffix(cursor, ".s")
	require.True(t, ok, "a bench's cursor names the supervising bench's view: %s", cursor)
	var old []intake.TradeIn
	for i := 1; i <= 10; i++ {
		ti, err := h.TradeIn(ctx, tradeInID(i))
		require.NoError(t, err)
		ti.Customer.Phone = "+44 20 7946 0000"
		old = append(old, ti)
	}
	require.NoError(t, b.store.ApplyChanges(ctx, store.Changes{TradeIns: old}, legacy))

	sum := b.sync(t)
	assert.True(t, sum.Resynced)
	for i := 1; i <= 10; i++ {
		ti, err := b.store.TradeIn(ctx, tradeInID(i))
		require.NoError(t, err)
		assert.Empty(t, ti.Customer.Email, ti.ID)
		assert.Empty(t, ti.Customer.Phone, ti.ID)
		assert.NotEmpty(t, ti.Customer.Name, ti.ID)
	}
	requireConverged(t, h, b, 10)
	assert.False(t, b.sync(t).Resynced, "the new cursor is good")
}

func ids(ts []intake.TradeIn) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}
