// Package hub is the central trade-in API: the authoritative state that
// many benches sync with, and the only arbiter between them. Hub holds the
// state in SQLite; Server exposes it over HTTP as the /v1 contract of
// package wire.
package hub

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// EventSink receives every event the hub applied, after it committed, for
// webhooks and the like. Publish should hand the event off quickly: a push
// waits for it. Its errors are logged, never returned to the bench: the
// event is applied whatever the sink does.
type EventSink interface {
	Publish(ctx context.Context, kind string, payload any) error
}

// Hub is an open hub database.
type Hub struct {
	write    *sql.DB // one connection: SQLite has one writer, and its order is the change order
	read     *sql.DB
	now      func() time.Time
	sink     EventSink
	log      *slog.Logger
	instance string // names this database in cursors
}

// Option changes how Open sets up a hub.
type Option func(*Hub)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(h *Hub) { h.now = now } }

// WithEventSink publishes applied events to s.
func WithEventSink(s EventSink) Option { return func(h *Hub) { h.sink = s } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(h *Hub) { h.log = l } }

// Open opens (creating if needed) the hub database at file and brings its
// schema up to date.
func Open(ctx context.Context, file string, opts ...Option) (*Hub, error) {
	h := &Hub{now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	var err error
	if h.write, err = openPool(file, true); err != nil {
		return nil, err
	}
	h.write.SetMaxOpenConns(1)
	if err := h.initialise(ctx); err != nil {
		h.write.Close()
		return nil, fmt.Errorf("open hub database %s: %w", file, err)
	}
	if h.read, err = openPool(file, false); err != nil {
		h.write.Close()
		return nil, err
	}
	h.read.SetMaxOpenConns(8)
	return h, nil
}

// openPool and migrate follow store/store.go line for line; a shared
// internal package would serve both once the two schemas settle.
func openPool(file string, writer bool) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	if writer {
		// An immediate transaction takes the write lock at BEGIN, so it can
		// never fail later to upgrade from a read lock.
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	db, err := sql.Open("sqlite", "file:"+file+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	return db, nil
}

func (h *Hub) initialise(ctx context.Context) error {
	var mode string
	if err := h.write.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("not a usable SQLite database: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	if err := h.migrate(ctx); err != nil {
		return err
	}
	return h.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'instance'`).Scan(&h.instance)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		h.instance = hex.EncodeToString(b)
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('instance', ?)`, h.instance)
		return err
	})
}

// migrate applies the embedded migrations newer than the schema's
// user_version, each in its own transaction together with the new version.
func (h *Hub) migrate(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	var current int
	if err := h.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(files) {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d): upgrade intakehub", current, len(files))
	}
	for i, f := range files {
		version := i + 1
		if n, _ := strconv.Atoi(strings.SplitN(path.Base(f), "_", 2)[0]); n != version {
			return fmt.Errorf("migration %s is out of sequence: want number %d", f, version)
		}
		if version <= current {
			continue
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		err = h.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", f, err)
		}
	}
	return nil
}

// Close closes both pools.
func (h *Hub) Close() error {
	return errors.Join(h.read.Close(), h.write.Close())
}

// inTx runs fn in a write transaction and commits it; with synchronous=FULL
// the commit has reached the disk when inTx returns nil.
func (h *Hub) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := h.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isBusy reports an error of SQLite being locked by another process, which
// the server answers with 503 and Retry-After.
func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

const timeLayout = time.RFC3339Nano

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
