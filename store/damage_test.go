package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
)

// filledStore makes a store file with trade-ins, receipts and their audit
// log, all in the main file (no WAL left), and returns its path.
func filledStore(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	data := demo.Generate(400, 3, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: data.TradeIns}, "c1"))
	for i, ti := range data.TradeIns[:150] {
		receive(t, s, ti.ID, fmt.Sprintf("key-%d", i))
	}
	_, err = s.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	return path
}

// pageOf returns a page that a table's b-tree uses, from the middle of them.
func pageOf(t *testing.T, path, table string) int64 {
	t.Helper()
	s, err := Open(context.Background(), path)
	require.NoError(t, err)
	defer s.Close()
	var pages []int64
	rows, err := s.read.Query(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype IN ('leaf', 'internal') ORDER BY pageno`, table)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var p int64
		require.NoError(t, rows.Scan(&p))
		pages = append(pages, p)
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, pages, "table %s has no pages", table)
	return pages[len(pages)/2]
}

// overwrite puts n bytes of garbage at offset of file, as a failing disk or
// a stray write would.
func scribble(t *testing.T, path string, offset int64, n int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(bytes.Repeat([]byte{0xA5}, n), offset)
	require.NoError(t, errors.Join(err, f.Close()))
}

func TestOpenFindsADamagedFile(t *testing.T) {
	const pageSize = 4096
	tests := []struct {
		name string
		// damage returns where to overwrite a page's worth of bytes.
		damage func(t *testing.T, path string) int64
		opts   []Option
		want   string // in the error
	}{
		{"a page in the middle of the file", func(t *testing.T, path string) int64 {
			fi, err := os.Stat(path)
			require.NoError(t, err)
			return fi.Size() / 2 / pageSize * pageSize
		}, nil, "quick check found"},
		{"the header", func(*testing.T, string) int64 { return 0 }, nil, "not a database"},
		{"a page of the audit log of a file too big to check whole", func(t *testing.T, path string) int64 {
			return (pageOf(t, path, "audit") - 1) * pageSize
		}, []Option{func(s *Store) { s.checkAllBelow = 0 }}, "audit: "},
		{"a page of the outbox", func(t *testing.T, path string) int64 {
			return (pageOf(t, path, "outbox") - 1) * pageSize
		}, []Option{func(s *Store) { s.checkAllBelow = 0 }}, "outbox: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filledStore(t)
			scribble(t, path, tt.damage(t, path), pageSize)
			s, err := Open(context.Background(), path, tt.opts...)
			if err == nil {
				s.Close()
			}
			require.ErrorIs(t, err, ErrDamaged)
			var de *DamageError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, path, de.File)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestOpenCheck(t *testing.T) {
	cache := []string{"catalog", "catalog_tacs", "imei_flags", "operators", "tradeins"}
	tests := []struct {
		name     string
		opt      Option
		complete bool
		cached   bool // the cache tables were checked
	}{
		{"a small file is checked whole", func(*Store) {}, true, true},
		{"a big file is checked but for the cache", func(s *Store) { s.checkAllBelow = 0 }, true, false},
		{"a check out of time opens the store", func(s *Store) { s.checkFor = 0 }, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filledStore(t)
			s, err := Open(context.Background(), path, tt.opt)
			require.NoError(t, err)
			defer s.Close()
			c := s.OpenCheck()
			assert.Equal(t, tt.complete, c.Complete(), "%d of %d tables checked", c.Checked, len(c.Tables))
			assert.Empty(t, c.Problems)
			require.NotEmpty(t, c.Tables)
			for _, table := range cache {
				assert.Equal(t, tt.cached, slices.Contains(c.Tables, table), table)
			}
			for _, table := range []string{"audit", "audit_seal", "outbox", "units", "sync_state", "schema_migrations"} {
				assert.Contains(t, c.Tables, table)
			}
			assert.Equal(t, "blobs", c.Tables[len(c.Tables)-1], "the photos come last: the deadline cuts them first")
		})
	}
}

func TestDamageErrorIsErrDamagedAndItsCause(t *testing.T) {
	cause := &AuditKeyError{File: "/x/bench.db.key", Reason: "missing"}
	err := fmt.Errorf("open: %w", &DamageError{File: "/x/bench.db", Err: cause})
	assert.ErrorIs(t, err, ErrDamaged)
	var got *AuditKeyError
	assert.ErrorAs(t, err, &got)
	assert.Equal(t, "open: the bench database /x/bench.db is damaged: audit key /x/bench.db.key: missing", err.Error())
}

// What the check of Open leaves, CheckRest checks: the cache of a big file
// (damage there opens, as a resync can replace it, but is still found) and
// whatever the deadline cut.
func TestCheckRest(t *testing.T) {
	big := func(s *Store) { s.checkAllBelow = 0 }
	tests := []struct {
		name    string
		opts    []Option
		damaged string // the table whose page is overwritten, "" for none
		rest    []string
		want    string // in the error, "" for none
	}{
		{"the cache of a big file", []Option{big}, "", []string{"catalog", "catalog_tacs", "imei_flags", "operators", "tradeins"}, ""},
		{"a damaged cache", []Option{big}, "tradeins", []string{"catalog", "catalog_tacs", "imei_flags", "operators", "tradeins"}, "tradeins: "},
		{"nothing after a small file", nil, "", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filledStore(t)
			if tt.damaged != "" {
				scribble(t, path, (pageOf(t, path, tt.damaged)-1)*4096, 4096)
			}
			s, err := Open(context.Background(), path, tt.opts...)
			require.NoError(t, err)
			defer s.Close()
			c, err := s.CheckRest(context.Background())
			assert.Equal(t, tt.rest, c.Tables)
			if tt.want == "" {
				require.NoError(t, err)
				assert.True(t, c.Complete())
				return
			}
			require.ErrorIs(t, err, ErrDamaged)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	t.Run("what the deadline cut", func(t *testing.T) {
		s, err := Open(context.Background(), filledStore(t), func(s *Store) { s.checkFor = 0 })
		require.NoError(t, err)
		defer s.Close()
		c, err := s.CheckRest(context.Background())
		require.NoError(t, err)
		assert.Equal(t, s.OpenCheck().Tables, c.Tables, "all of them")
	})
}
