package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// cacheSchema is the SQL of the cache's indexes, by name.
func cacheSchema(t *testing.T, s *Store) map[string]string {
	t.Helper()
	rows, err := sqlitedb.QueryRows(context.Background(), s.read, "indexes", func(r *sql.Rows) ([2]string, error) {
		var v [2]string
		return v, r.Scan(&v[0], &v[1])
	}, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tradeins' AND sql IS NOT NULL`)
	require.NoError(t, err)
	out := map[string]string{}
	for _, r := range rows {
		out[r[0]] = r[1]
	}
	return out
}

// lookupAll looks every identifier and search term of ts up, as scans and
// the manual search do, and reports the trade-ins each found.
func lookupAll(t *testing.T, s *Store, ts []intake.TradeIn) map[string]int {
	t.Helper()
	ctx := context.Background()
	found := map[string]int{}
	for _, ti := range ts {
		for _, id := range ti.Identifiers() {
			got, err := s.TradeInsByIdentifier(ctx, id)
			require.NoError(t, err)
			found[string(id.Kind)+" "+id.Value] = len(got)
		}
		for _, term := range []string{ti.Reference, ti.Tracking} {
			got, err := s.FindTradeIns(ctx, term, 10)
			require.NoError(t, err)
			found["search "+term] = len(got)
		}
	}
	return found
}

// A large pull into an empty cache leaves the indexes out and makes them
// after, exactly as they were; scans match all along.
func TestDeferCacheIndexesInAnEmptyCache(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	before := cacheSchema(t, s)
	require.Len(t, before, 7, "the identifier and search indexes of migration 0001, the unit labels' of 0010")

	deferred, err := s.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	require.True(t, deferred)
	assert.Empty(t, cacheSchema(t, s), "no index is kept up during the pull")

	first := []intake.TradeIn{sampleTradeIn("1", "356938035643809"), sampleTradeIn("2", "490154203237518")}
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: first}, "c1"))
	want := map[string]int{"imei 356938035643809": 1, "serial SN1": 1, "search TI-1": 1, "search 1Z1": 1,
		"imei 490154203237518": 1, "serial SN2": 1, "search TI-2": 1, "search 1Z2": 1}
	assert.Equal(t, want, lookupAll(t, s, first), "scans match what has arrived, without the indexes")

	require.NoError(t, s.BuildCacheIndexes(ctx))
	assert.Equal(t, before, cacheSchema(t, s), "the indexes are made again as they were")
	assert.Equal(t, want, lookupAll(t, s, first))
	require.NoError(t, s.IntegrityCheck(ctx))
	require.NoError(t, s.BuildCacheIndexes(ctx), "nothing left to make is no error")
}

// A cache with trade-ins keeps its indexes: it must match quickly while a
// pull refills it (a resync). One whose initial pull broke off halfway
// drops them again when the pull resumes, until a pull completes.
func TestDeferCacheIndexesOnlyForAnInitialPull(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		before   func(t *testing.T, s *Store)
		deferred bool
	}{
		{"a cache holding trade-ins", func(t *testing.T, s *Store) {
			require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}, Complete: true}, "c1"))
		}, false},
		{"an initial pull broken off halfway", func(t *testing.T, s *Store) {
			_, err := s.DeferCacheIndexes(ctx)
			require.NoError(t, err)
			require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
			require.NoError(t, s.BuildCacheIndexes(ctx))
		}, true},
		{"an initial pull that completed", func(t *testing.T, s *Store) {
			_, err := s.DeferCacheIndexes(ctx)
			require.NoError(t, err)
			require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}, Complete: true}, "c1"))
			require.NoError(t, s.BuildCacheIndexes(ctx))
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			tt.before(t, s)
			deferred, err := s.DeferCacheIndexes(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.deferred, deferred)
			assert.Equal(t, map[bool]int{true: 0, false: 7}[tt.deferred], len(cacheSchema(t, s)))
			require.NoError(t, s.BuildCacheIndexes(ctx))
			assert.Len(t, cacheSchema(t, s), 7)
		})
	}
}

// Indexes dropped and not yet made again survive a restart: their
// definitions are in the database, not in the process that dropped them.
func TestDeferredIndexesSurviveARestart(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	before := cacheSchema(t, s)
	_, err := s.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	again, err := Open(ctx, path)
	require.NoError(t, err)
	defer again.Close()
	require.NoError(t, again.BuildCacheIndexes(ctx))
	assert.Equal(t, before, cacheSchema(t, again))
}

// The JSON a pull hands over is kept as it is and reads back as the
// trade-in; a trade-in without it is encoded.
func TestApplyChangesKeepsTheTradeInJSON(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	kept, encoded := sampleTradeIn("1", "356938035643809"), sampleTradeIn("2", "490154203237518")
	doc, err := json.Marshal(kept)
	require.NoError(t, err)
	doc = append([]byte(" "), doc...) // as sent, not as encoded again
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{kept, encoded}, TradeInDocs: [][]byte{doc, nil}}, "c1"))

	var stored string
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT doc FROM tradeins WHERE id = '1'`).Scan(&stored))
	assert.Equal(t, string(doc), stored)
	for _, want := range []intake.TradeIn{kept, encoded} {
		got, err := s.TradeIn(ctx, want.ID)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

// Scans are never blocked by a pull: while a write transaction is open
// (a batch of the pull being applied), the read pool answers from what
// was committed before it (WAL).
func TestReadersAreNotBlockedByAPullsTransaction(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	applied := sampleTradeIn("1", "356938035643809")
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{applied}}, "c1"))

	tx, err := s.write.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	pending := sampleTradeIn("2", "490154203237518")
	require.NoError(t, upsertTradeIns(ctx, tx, []intake.TradeIn{pending}, 0))

	// The deadline only keeps a blocked reader from hanging the test.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := s.TradeInsByIdentifier(rctx, intake.Identifier{Kind: intake.KindIMEI, Value: applied.IMEI})
	require.NoError(t, err, "a scan while the pull writes")
	assert.Equal(t, []intake.TradeIn{applied}, got)
	got, err = s.TradeInsByIdentifier(rctx, intake.Identifier{Kind: intake.KindIMEI, Value: pending.IMEI})
	require.NoError(t, err)
	assert.Empty(t, got, "what the pull has not committed does not match yet")
	require.NoError(t, tx.Commit())
}
