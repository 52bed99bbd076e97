// Package store is the bench's local SQLite database: the trade-ins cache
// pulled from the hub, the units, gradings and photos of this bench, the
// outbox of events for the hub, the sync cursor and the hash-chained audit
// log. One connection writes; a pool reads.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/intakebench/intakebench/intake"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an open bench database.
type Store struct {
	write *sql.DB // exactly one connection: SQLite has one writer anyway
	read  *sql.DB
	now   func() time.Time
}

// Option changes how Open sets up a store.
type Option func(*Store)

// WithClock sets the clock used for audit and settlement times.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Open opens (creating if needed) the bench database at path and brings its
// schema up to date.
func Open(ctx context.Context, file string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now}
	for _, o := range opts {
		o(s)
	}
	var err error
	if s.write, err = openPool(file, true); err != nil {
		return nil, err
	}
	s.write.SetMaxOpenConns(1)
	if err := s.initialise(ctx); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open bench store %s: %w", file, err)
	}
	if s.read, err = openPool(file, false); err != nil {
		s.write.Close()
		return nil, err
	}
	s.read.SetMaxOpenConns(4)
	return s, nil
}

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

func (s *Store) initialise(ctx context.Context) error {
	var mode string
	if err := s.write.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("not a usable SQLite database: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	return s.migrate(ctx)
}

// migrate applies the embedded migrations newer than the schema's
// user_version, each in its own transaction together with the new version.
func (s *Store) migrate(ctx context.Context) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	var current int
	if err := s.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(files) {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d): upgrade intakebench", current, len(files))
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
		err = s.inTx(ctx, func(tx *sql.Tx) error {
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
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// inTx runs fn in a write transaction and commits it; with synchronous=FULL
// the commit has reached the disk when inTx returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
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

// IntegrityCheck runs SQLite's integrity check and returns its findings as an
// error, nil for "ok".
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.read.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
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

// The store is what the bench's services need.
var (
	_ intake.WalkInStore = (*Store)(nil)
	_ intake.ReviewStore = (*Store)(nil)
	_ intake.LoginStore  = (*Store)(nil)
)
