package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// triggerSchema is the SQL of the triggers on the cache, by name.
func triggerSchema(t *testing.T, s *Store) map[string]string {
	t.Helper()
	rows, err := sqlitedb.QueryRows(context.Background(), s.read, "triggers", func(r *sql.Rows) ([2]string, error) {
		var v [2]string
		return v, r.Scan(&v[0], &v[1])
	}, `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'tradeins'`)
	require.NoError(t, err)
	out := map[string]string{}
	for _, r := range rows {
		out[r[0]] = r[1]
	}
	return out
}

// searchIndexMatches runs FTS5's own check of an external-content index:
// it fails unless the index holds exactly what the cache does.
func searchIndexMatches(t *testing.T, s *Store) {
	t.Helper()
	_, err := s.write.ExecContext(context.Background(), `INSERT INTO tradein_search (tradein_search, rank) VALUES ('integrity-check', 1)`)
	require.NoError(t, err, "the search index holds what the cache does")
}

func named(id, imei, name string) intake.TradeIn {
	t := sampleTradeIn(id, imei)
	t.Customer.Name = name
	return t
}

// After a large pull the search index is made chunk by chunk while the
// cache goes on changing: rows already indexed are kept up by stand-in
// triggers, the others indexed as they are when their turn comes. At the
// end it holds exactly the cache, and the kept triggers are back.
func TestSearchIndexIsMadeWhileTheCacheChanges(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	s.searchChunk = 2
	before := triggerSchema(t, s)
	require.Len(t, before, 3, "migration 0009's triggers")
	_, err := s.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{
		named("1", "356938035643809", "Ada Lovelace"), named("2", "490154203237518", "Grace Hopper"),
		named("3", "353918050000005", "Alan Turing"), named("4", "356938035643817", "Edsger Dijkstra"),
		named("5", "356938035643825", "Barbara Liskov"),
	}, Complete: true}, "c1"))
	require.NoError(t, s.buildIndexes(ctx))

	done, err := s.indexSearchChunk(ctx)
	require.NoError(t, err)
	require.False(t, done, "two of five indexed")
	// An indexed row renamed, one not yet indexed renamed, an indexed one
	// deleted, a new one added.
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{
		named("1", "356938035643809", "Ada King"), named("4", "356938035643817", "Edsger Wybe"),
		named("6", "356938035643833", "Frances Allen"),
	}, DeletedTradeIns: []string{"2"}}, "c2"))
	got, err := s.FindTradeIns(ctx, "king", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"TI-1"}, refs(got), "a search while the index is made reads the cache")
	require.NoError(t, s.IntegrityCheck(ctx), "a half-made index is no damage")

	require.NoError(t, s.IndexSearch(ctx))
	deferred, err := s.SearchIndexing(ctx)
	require.NoError(t, err)
	assert.False(t, deferred)
	assert.Equal(t, before, triggerSchema(t, s), "the kept triggers are back, as they were")
	searchIndexMatches(t, s)
	for term, want := range map[string][]string{"king": {"TI-1"}, "lovelace": {}, "hopper": {}, "turing": {"TI-3"},
		"wybe": {"TI-4"}, "dijkstra": {}, "liskov": {"TI-5"}, "frances": {"TI-6"}} {
		got, err := s.FindTradeIns(ctx, term, 10)
		require.NoError(t, err)
		assert.Equal(t, want, refs(got), term)
	}
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{named("3", "353918050000005", "Alan Mathison")}}, "c3"))
	searchIndexMatches(t, s)
	require.NoError(t, s.IntegrityCheck(ctx))
}

// A pull that resumes while the search index is being made drops the
// stand-in triggers with the indexes; the index is made again from the
// start after it, with the triggers kept before the first pull.
func TestSearchIndexStartsAgainWhenAPullResumes(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	s.searchChunk = 1
	before := triggerSchema(t, s)
	_, err := s.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{
		named("1", "356938035643809", "Ada Lovelace"), named("2", "490154203237518", "Grace Hopper"),
	}}, "c1"))
	require.NoError(t, s.buildIndexes(ctx))
	_, err = s.indexSearchChunk(ctx)
	require.NoError(t, err)

	deferred, err := s.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	require.True(t, deferred, "the initial pull has not completed")
	assert.Empty(t, triggerSchema(t, s), "no trigger during the pull, stand-in or kept")
	done, err := s.indexSearchChunk(ctx)
	require.NoError(t, err)
	assert.True(t, done, "nothing is indexed while the pull has the indexes out")
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{named("1", "356938035643809", "Ada King")}, Complete: true}, "c2"))

	require.NoError(t, s.BuildCacheIndexes(ctx))
	assert.Equal(t, before, triggerSchema(t, s))
	searchIndexMatches(t, s)
	got, err := s.FindTradeIns(ctx, "king", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"TI-1"}, refs(got))
}

// In a large cache BuildCacheIndexes returns with the identifier indexes
// made and leaves the search index to the background; a store closed in
// the middle of it goes on where it stopped when opened again.
func TestSearchIndexInTheBackgroundSurvivesAClose(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	s.searchInlineBelow, s.searchChunk = 0, 1
	before := triggerSchema(t, s)
	_, err := s.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	var ts []intake.TradeIn
	for i, imei := range []string{"356938035643809", "490154203237518", "353918050000005", "356938035643817"} {
		ts = append(ts, named(string(rune('1'+i)), imei, "Ada Lovelace"))
	}
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: ts, Complete: true}, "c1"))
	require.NoError(t, s.BuildCacheIndexes(ctx))
	assert.Len(t, cacheSchema(t, s), 7, "the identifier indexes are made before it returns")
	require.NoError(t, s.Close(), "closing stops the background")

	again, err := Open(ctx, path)
	require.NoError(t, err)
	defer again.Close()
	again.searchInlineBelow = 0
	require.NoError(t, again.BuildCacheIndexes(ctx))
	require.NoError(t, again.IndexSearch(ctx), "waits for the index alongside the background")
	assert.Equal(t, before, triggerSchema(t, again))
	searchIndexMatches(t, again)
	got, err := again.FindTradeIns(ctx, "lovelace", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"TI-1", "TI-2", "TI-3", "TI-4"}, refs(got))
}

// A background job that fails says so in the log the store was given,
// not in the process's default one.
func TestBackgroundFailureIsLoggedWhereTheStoreWasTold(t *testing.T) {
	var buf bytes.Buffer
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "bench.db"), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	s.search.start(func(context.Context) error { return errors.New("disk full") })
	s.search.wg.Wait()
	assert.Contains(t, buf.String(), `level=WARN msg="the search index of the trade-ins cache could not be made" err="disk full"`)
}
