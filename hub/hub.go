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
	"log/slog"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/intakebench/intakebench/internal/sqlitedb"
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
	pools, err := sqlitedb.Open(ctx, file, migrations, "migrations", "intakehub", 8)
	if err != nil {
		return nil, fmt.Errorf("open hub database: %w", err)
	}
	h.write, h.read = pools.Write, pools.Read
	if err := h.initInstance(ctx); err != nil {
		pools.Close()
		return nil, fmt.Errorf("open hub database %s: %w", file, err)
	}
	return h, nil
}

// OpenSharedDB opens a writer on the hub's database file for the parts of
// the hub that keep their own tables beside its own (the public API and
// webhooks). Open the hub first: it sets the file up.
func OpenSharedDB(file string) (*sql.DB, error) { return sqlitedb.OpenWriter(file) }

// initInstance names this database, so a cursor from another one is known
// for what it is.
func (h *Hub) initInstance(ctx context.Context) error {
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

// Now is the hub's clock: every time it records comes from it.
func (h *Hub) Now() time.Time { return h.now() }

// Close closes both pools.
func (h *Hub) Close() error {
	return errors.Join(h.read.Close(), h.write.Close())
}

// inTx runs fn in a write transaction and commits it durably.
func (h *Hub) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return sqlitedb.InTx(ctx, h.write, fn)
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
