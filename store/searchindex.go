package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"

	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// After a large initial pull the search index (migration 0009) is made
// again from the cache in the background: in one pass it took a third of
// pulling 100,000 trade-ins, and scans need only the identifier indexes,
// which the pull makes before it ends. It goes through the cache in rowid
// order, searchChunk trade-ins a transaction, so a write of the bench's own
// (a receipt) waits for one chunk at most, never for the whole index.
//
// While it runs, the cache may change under it (the next pull, a resync's
// sweep). metaSearchIndexedTo holds the last rowid it has indexed, and
// stand-in triggers keep the index up for the rows up to it only; the rows
// after it are indexed, as they are then, when it gets to them. The
// transaction of the last chunk puts the kept triggers back in place of
// the stand-ins, so no row is ever left out or indexed twice. A crash
// leaves metaSearchIndexedTo where the last chunk committed it, and the next
// BuildCacheIndexes goes on from there. Until the triggers are back
// (SearchIndexing), a search reads the whole cache instead of the index.

// metaSearchIndexedTo is the meta key of the last rowid of tradeins the
// search index holds while it is being made again.
const metaSearchIndexedTo = "search indexed to"

// searchChunk is how many trade-ins one transaction adds to the search
// index: about a tenth of a second's work.
const searchChunk = 10_000

// searchInlineBelow is the size of a cache (its highest rowid) below which
// BuildCacheIndexes makes the search index at once: it takes a moment, and
// the search works at full speed as soon as the pull ends.
const searchInlineBelow = 50_000

// searchStandIns are migration 0009's triggers for the rows up to
// metaSearchIndexedTo: a row after it is not in the index yet, and is
// indexed as it is when IndexSearch gets to it. Each is dropped, by name,
// when the kept definitions are made again.
var searchStandIns = []string{
	`CREATE TRIGGER tradein_search_insert AFTER INSERT ON tradeins
	WHEN new.rowid <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = '` + metaSearchIndexedTo + `')
	BEGIN
		INSERT INTO tradein_search (rowid, reference, tracking, customer)
		VALUES (new.rowid, new.reference, new.tracking, new.customer);
	END`,
	`CREATE TRIGGER tradein_search_delete AFTER DELETE ON tradeins
	WHEN old.rowid <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = '` + metaSearchIndexedTo + `')
	BEGIN
		INSERT INTO tradein_search (tradein_search, rowid, reference, tracking, customer)
		VALUES ('delete', old.rowid, old.reference, old.tracking, old.customer);
	END`,
	`CREATE TRIGGER tradein_search_update AFTER UPDATE OF reference, tracking, customer ON tradeins
	WHEN (old.reference IS NOT new.reference OR old.tracking IS NOT new.tracking OR old.customer IS NOT new.customer)
		AND old.rowid <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = '` + metaSearchIndexedTo + `')
	BEGIN
		INSERT INTO tradein_search (tradein_search, rowid, reference, tracking, customer)
		VALUES ('delete', old.rowid, old.reference, old.tracking, old.customer);
		INSERT INTO tradein_search (rowid, reference, tracking, customer)
		VALUES (new.rowid, new.reference, new.tracking, new.customer);
	END`,
}

// IndexSearch makes the search index an initial pull left out, chunk by
// chunk, and puts its triggers back; nothing when none is left out, or
// while a pull has the cache's indexes out (the pull's BuildCacheIndexes
// starts it again). BuildCacheIndexes runs it in the background after a
// large pull; calling it waits until the index is made.
func (s *Store) IndexSearch(ctx context.Context) error {
	for {
		done, err := s.indexSearchChunk(ctx)
		if err != nil || done {
			return err
		}
	}
}

func (s *Store) indexSearchChunk(ctx context.Context) (done bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var pulling bool
		var indexedTo sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key >= ? AND key < ?),
			(SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?)`,
			metaDeferredIndex, metaDeferredIndex+"\xff", metaSearchIndexedTo).Scan(&pulling, &indexedTo); err != nil {
			return fmt.Errorf("read the search index's state: %w", err)
		}
		defs, err := sqlitedb.QueryRows(ctx, tx, "deferred triggers", func(r *sql.Rows) ([2]string, error) {
			var kd [2]string
			return kd, r.Scan(&kd[0], &kd[1])
		}, `SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key`, metaDeferredTrigger, metaDeferredTrigger+"\xff")
		if err != nil {
			return err
		}
		// A pull with the indexes out writes the cache with no trigger at
		// all: what would be indexed now could change unseen.
		if pulling || len(defs) == 0 {
			done = true
			return nil
		}
		if !indexedTo.Valid {
			if err := beginSearchIndex(ctx, tx); err != nil {
				return err
			}
		}
		from := indexedTo.Int64
		var to sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT rowid FROM tradeins WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET ?`,
			from, s.searchChunk-1).Scan(&to)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read the cache to index: %w", err)
		}
		last := !to.Valid // the chunk reaches the end of the cache
		upTo := to.Int64
		if last {
			upTo = math.MaxInt64
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tradein_search (rowid, reference, tracking, customer)
			SELECT rowid, reference, tracking, customer FROM tradeins WHERE rowid > ? AND rowid <= ?`, from, upTo); err != nil {
			return fmt.Errorf("index the cache for search: %w", err)
		}
		if !last {
			_, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ?`, strconv.FormatInt(to.Int64, 10), metaSearchIndexedTo)
			if err != nil {
				return fmt.Errorf("record how far the search index is: %w", err)
			}
			return nil
		}
		done = true
		return endSearchIndex(ctx, tx, defs)
	})
	return done, err
}

// beginSearchIndex empties the search index and puts the stand-in
// triggers in place, for the rows indexed so far: none.
func beginSearchIndex(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO tradein_search (tradein_search) VALUES ('delete-all')`); err != nil {
		return fmt.Errorf("empty the search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '0')`, metaSearchIndexedTo); err != nil {
		return fmt.Errorf("begin the search index: %w", err)
	}
	for _, def := range searchStandIns {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("make a stand-in trigger of the search index: %w", err)
		}
	}
	return nil
}

// endSearchIndex puts the kept triggers (defs, by meta key) back in place
// of the stand-ins, in the transaction that indexes the last rows.
func endSearchIndex(ctx context.Context, tx *sql.Tx, defs [][2]string) error {
	for _, kd := range defs {
		name := kd[0][len(metaDeferredTrigger):]
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER IF EXISTS "`+name+`"`); err != nil {
			return fmt.Errorf("drop the stand-in trigger %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, kd[1]); err != nil {
			return fmt.Errorf("make a trigger of the search index: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ? OR (key >= ? AND key < ?)`,
		metaSearchIndexedTo, metaDeferredTrigger, metaDeferredTrigger+"\xff")
	if err != nil {
		return fmt.Errorf("end the search index: %w", err)
	}
	return nil
}

// background runs one job at a time beside the store's callers until the
// store closes: start while it runs has it run once more after, so work
// asked for while it was finishing is not lost.
type background struct {
	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	running bool
	again   bool
	wg      sync.WaitGroup
	log     *slog.Logger
}

func newBackground() *background {
	ctx, cancel := context.WithCancel(context.Background())
	return &background{ctx: ctx, cancel: cancel, log: slog.New(slog.DiscardHandler)}
}

func (b *background) start(job func(context.Context) error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctx.Err() != nil {
		return
	}
	if b.running {
		b.again = true
		return
	}
	b.running = true
	b.wg.Go(func() {
		for {
			err := job(b.ctx)
			b.mu.Lock()
			again := b.again && b.ctx.Err() == nil
			b.again, b.running = false, again
			b.mu.Unlock()
			if err != nil && b.ctx.Err() == nil {
				// The next pull's BuildCacheIndexes tries again; searches
				// read the whole cache meanwhile.
				b.log.Warn("the search index of the trade-ins cache could not be made", "err", err)
			}
			if !again {
				return
			}
		}
	})
}

// stop cancels the job under way and waits for it to end.
func (b *background) stop() {
	b.mu.Lock()
	b.cancel()
	b.mu.Unlock()
	b.wg.Wait()
}
