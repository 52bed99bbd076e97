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
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/migrate"
	"github.com/intakebench/intakebench/internal/sqlitedb"
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
	pools, err := sqlitedb.Open(ctx, file, "intakebench", 4, nil, migrate.Set{Component: "store", FS: migrations, Dir: "migrations"})
	if err != nil {
		return nil, fmt.Errorf("open bench store: %w", err)
	}
	s.write, s.read = pools.Write, pools.Read
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// inTx runs fn in a write transaction and commits it durably.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return sqlitedb.InTx(ctx, s.write, fn)
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

// The store is what the bench's services need.
var (
	_ intake.WalkInStore = (*Store)(nil)
	_ intake.ReviewStore = (*Store)(nil)
	_ intake.LoginStore  = (*Store)(nil)
)
