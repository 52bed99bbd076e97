package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// An initial pull writes every trade-in of the hub into an empty cache.
// Kept up row by row, the cache's six identifier indexes cost more than
// the rows themselves, and past a few hundred thousand trade-ins far more:
// each batch dirties most of their pages (IMEIs, serials and tracking
// numbers come in no order), which are written to the WAL and copied to
// the database again, batch after batch (70 s for a million trade-ins,
// against 19 s without them and the indexes made after, here). So a large
// initial pull drops them (DeferCacheIndexes) and makes them once it ends
// (BuildCacheIndexes), sorting each in one pass.
//
// Scans still match all along: a lookup reads the whole cache instead of
// an index, which is slower (80 ms for 100,000 trade-ins, 0.8 s for a
// million) but never wrong, and never blocked by the pull's writes (WAL).
//
// The search index (migration 0009) is kept by triggers on tradeins, and
// kept row by row it cost more still: 100,000 trade-ins took 9.2 s to pull
// with them, 2.2 s without. So the triggers are dropped with the indexes,
// and the search index is made again from the cache after the pull: at
// once in a small cache, and in the background in a large one, where it
// took a third of the whole pull (see IndexSearch). Until it is done a
// search reads the whole cache (FindTradeIns): slower, never wrong.
//
// The dropped indexes' and triggers' definitions are kept in meta, in the
// transaction that drops them, so they are made again exactly as they
// were, also after a crash: until they are, the pull goes on without them.

// metaInitialPull marks an initial pull begun in an empty cache and not
// yet complete: the cache may be dropped of its indexes again when the
// pull resumes after a failure (ApplyChanges removes it at the end).
const metaInitialPull = "initial pull"

// metaDeferred prefixes the meta keys of what an initial pull dropped:
// metaDeferredIndex that of a dropped index, metaDeferredTrigger that of a
// dropped trigger, each with its SQL as the value.
const (
	metaDeferred        = "deferred "
	metaDeferredIndex   = metaDeferred + "index "
	metaDeferredTrigger = metaDeferred + "trigger "
)

// DeferCacheIndexes drops the indexes of the trade-ins cache for a large
// pull into it, and reports whether it did: it does only in an empty cache,
// or one whose initial pull has not completed; a cache with trade-ins to
// match keeps them. BuildCacheIndexes makes them again.
func (s *Store) DeferCacheIndexes(ctx context.Context) (bool, error) {
	deferred := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var empty, initial bool
		if err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM tradeins),
			EXISTS (SELECT 1 FROM meta WHERE key = ?)`, metaInitialPull).Scan(&empty, &initial); err != nil {
			return fmt.Errorf("read the cache's state: %w", err)
		}
		if !empty && !initial {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '') ON CONFLICT (key) DO NOTHING`, metaInitialPull); err != nil {
			return fmt.Errorf("mark the initial pull: %w", err)
		}
		// SQLite's own index of the primary key has no SQL: it stays.
		rows, err := tx.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_schema
			WHERE type IN ('index', 'trigger') AND tbl_name = 'tradeins' AND sql IS NOT NULL ORDER BY type, name`)
		if err != nil {
			return fmt.Errorf("read the cache's indexes: %w", err)
		}
		type object struct{ kind, name, def string }
		var objects []object
		for rows.Next() {
			var o object
			if err := rows.Scan(&o.kind, &o.name, &o.def); err != nil {
				rows.Close()
				return fmt.Errorf("read the cache's indexes: %w", err)
			}
			objects = append(objects, o)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read the cache's indexes: %w", err)
		}
		// A trigger that stands while the search index is made again after
		// an earlier pull (IndexSearch) is not the one to make again: that
		// one's definition is kept already, and stays.
		for _, o := range objects {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
				metaDeferred+o.kind+" "+o.name, o.def); err != nil {
				return fmt.Errorf("keep %s %s: %w", o.kind, o.name, err)
			}
			if _, err := tx.ExecContext(ctx, `DROP `+strings.ToUpper(o.kind)+` "`+o.name+`"`); err != nil {
				return fmt.Errorf("drop %s %s: %w", o.kind, o.name, err)
			}
		}
		// What the search index holds of the cache stops being kept up:
		// it is made again from the start after this pull.
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaSearchIndexedTo); err != nil {
			return fmt.Errorf("restart the search index: %w", err)
		}
		deferred = true
		return nil
	})
	return deferred, err
}

// BuildCacheIndexes makes the indexes DeferCacheIndexes dropped, each in a
// transaction of its own, so that the bench's own writes (a receipt) wait
// for one index at most; nothing when none wait, also after a crash in the
// middle of an initial pull (the definitions are in the database). It takes
// about 1.5 s an index for a million cached trade-ins. The search index
// and its triggers follow: at once in a cache of fewer than
// searchInlineBelow trade-ins, else in the background (IndexSearch), so
// that a large pull ends, and scans use the identifier indexes, without
// waiting for it.
func (s *Store) BuildCacheIndexes(ctx context.Context) error {
	// The engine asks at the end of every pull: it costs a read, not the
	// write lock, when nothing waits.
	var waiting, search bool
	var top sql.NullInt64
	if err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key >= ? AND key < ?),
		EXISTS (SELECT 1 FROM meta WHERE key >= ? AND key < ?), (SELECT max(rowid) FROM tradeins)`,
		metaDeferredIndex, metaDeferredIndex+"\xff", metaDeferredTrigger, metaDeferredTrigger+"\xff").Scan(&waiting, &search, &top); err != nil {
		return fmt.Errorf("read the deferred indexes: %w", err)
	}
	if waiting {
		if err := s.buildIndexes(ctx); err != nil {
			return err
		}
	}
	switch {
	case !search:
		return nil
	case top.Int64 < int64(s.searchInlineBelow):
		return s.IndexSearch(ctx)
	default:
		s.search.start(s.IndexSearch)
		return nil
	}
}

func (s *Store) buildIndexes(ctx context.Context) error {
	// Making an index reads the whole cache: through a memory map of the
	// file instead of a read call a page, 20% faster (6.5 s instead of
	// 8.3 s for all of a million trade-ins' here). The writer is one
	// connection: the setting is the build's alone, and undone after.
	if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA mmap_size = %d", buildMmap)); err != nil {
		return fmt.Errorf("map the cache for its indexes: %w", err)
	}
	defer s.write.ExecContext(context.WithoutCancel(ctx), "PRAGMA mmap_size = 0")
	for {
		done, err := s.buildOneIndex(ctx)
		if err != nil || done {
			return err
		}
	}
}

// SearchIndexing reports whether the search index is still to be made
// after a large initial pull (during the pull, or in the background after
// it: its triggers wait to be made again, and the index misses what the
// pull brought): until it is, FindTradeIns reads the whole cache, slower,
// and a screen may say the search is indexing.
func (s *Store) SearchIndexing(ctx context.Context) (bool, error) {
	var deferred bool
	err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key >= ? AND key < ?)`,
		metaDeferredTrigger, metaDeferredTrigger+"\xff").Scan(&deferred)
	if err != nil {
		return false, fmt.Errorf("read the search index's state: %w", err)
	}
	return deferred, nil
}

// buildMmap is how much of the file an index build maps: a million
// cached trade-ins take a gigabyte.
const buildMmap = 2 << 30

func (s *Store) buildOneIndex(ctx context.Context) (done bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var key, def string
		err := tx.QueryRowContext(ctx, `SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key LIMIT 1`,
			metaDeferredIndex, metaDeferredIndex+"\xff").Scan(&key, &def)
		if err == sql.ErrNoRows {
			done = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the deferred indexes: %w", err)
		}
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("make index %s: %w", key[len(metaDeferredIndex):], err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, key)
		return err
	})
	return done, err
}
