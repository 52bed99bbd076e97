// Package store is the bench's local SQLite database: the trade-ins cache
// pulled from the hub, the units, gradings and photos of this bench, the
// outbox of events for the hub, the sync cursor and the hash-chained audit
// log. One connection writes; a pool reads.
//
// Beside the database file FILE lives FILE.key, the audit log's key (64 hex
// digits, mode 0600), made on the first open. It seals the audit log
// (migration 0006) and belongs with the database: back them up and move them
// together. A database whose log was sealed does not open without its key.
//
// Open checks the file before handing it out (see checkAllBelow) and reports a
// damaged one as ErrDamaged: a bench must stop, not work on it.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	audit auditKey
	check sqlitedb.CheckResult
	file  string

	keyFile       string
	checkAllBelow int // pages: the cache of a smaller file is checked too
	checkFor      time.Duration
	// search makes the search index after a large pull (IndexSearch), in
	// a cache of searchInlineBelow trade-ins or more, searchChunk a
	// transaction.
	search            *background
	searchInlineBelow int
	searchChunk       int
}

// Option changes how Open sets up a store.
type Option func(*Store)

// WithClock sets the clock used for audit and settlement times.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLogger logs what the store does in the background (the search
// index it makes after a large pull) to l; nothing by default.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.search.log = l
		}
	}
}

// WithAuditKeyFile sets where the audit log's key is kept; FILE.key beside
// the database by default.
func WithAuditKeyFile(path string) Option { return func(s *Store) { s.keyFile = path } }

// ErrDamaged is a bench database found damaged: SQLite could not read it,
// the check Open runs found it malformed, or its audit key is missing or
// another database's. The bench must not be used on it; a *DamageError
// says what was found.
var ErrDamaged = errors.New("the bench database is damaged")

// DamageError is ErrDamaged with the file and what found the damage.
type DamageError struct {
	File string
	Err  error
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("the bench database %s is damaged: %v", e.File, e.Err)
}

// Unwrap makes the error both ErrDamaged and its cause.
func (e *DamageError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// The check Open runs must not make a bench slow to start: a full
// quick_check of a store with 1,000,000 cached trade-ins (1.2 GB) takes 4 s.
// So the cache, which a resync brings back, is checked only in a file of up
// to checkAllBelow pages (16 MiB, about 13,000 trade-ins: 50 ms at most);
// in a bigger one, only what the bench alone holds. Every check stops after
// checkFor, which only a bench with a great many photos reaches: the tables
// checked by then stand.
const (
	checkAllBelow = 4096
	checkFor      = 100 * time.Millisecond
)

// cacheTables hold the hub's data: pulled again by a resync, and too big to
// check at every start. Every other table is the bench's own.
const cacheTables = `'tradeins', 'imei_flags', 'operators', 'catalog', 'catalog_tacs'`

// Open opens (creating if needed) the bench database at path, brings its
// schema up to date and checks it (see checkAllBelow). A damaged file
// gives a *DamageError, which is ErrDamaged.
func Open(ctx context.Context, file string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now, file: file, keyFile: file + ".key", checkAllBelow: checkAllBelow, checkFor: checkFor,
		search: newBackground(), searchInlineBelow: searchInlineBelow, searchChunk: searchChunk}
	for _, o := range opts {
		o(s)
	}
	pools, err := sqlitedb.Open(ctx, file, "intakebench", 4, nil, migrate.Set{Component: "store", FS: migrations, Dir: "migrations"})
	if err == nil {
		s.write, s.read = pools.Write, pools.Read
		if err = s.checkOnOpen(ctx); err == nil {
			err = s.loadAuditKey(ctx, s.keyFile)
		}
		if err == nil {
			err = s.backfillUnitLabels(ctx)
		}
		if err != nil {
			s.Close()
		}
	}
	if err != nil {
		return nil, s.damage("open", err)
	}
	return s, nil
}

// damage makes a *DamageError of an error that shows the file damaged;
// another error of doing what is wrapped as it is.
func (s *Store) damage(doing string, err error) error {
	var found *checkFindings
	var key *AuditKeyError
	switch {
	case sqlitedb.Damaged(err), errors.As(err, &found), errors.As(err, &key):
		return &DamageError{File: s.file, Err: err}
	case err != nil:
		return fmt.Errorf("%s bench store %s: %w", doing, s.file, err)
	}
	return nil
}

// checkFindings are the problems a check found.
type checkFindings struct{ problems []string }

func (f *checkFindings) Error() string {
	return "SQLite's quick check found: " + strings.Join(f.problems, "; ")
}

// findings makes the problems a check found its error.
func findings(c sqlitedb.CheckResult, err error) error {
	if err == nil && len(c.Problems) > 0 {
		return &checkFindings{problems: c.Problems}
	}
	return err
}

// checkOrder ranks the tables for a check: the small bookkeeping first,
// then the events the hub may not have yet, the bench's records, its audit
// log, the cache, and the photos, by far the biggest, last. A deadline cuts
// what comes last.
const checkOrder = `CASE
	WHEN name = 'outbox' THEN 1
	WHEN name IN ('units', 'gradings', 'decisions', 'photos') THEN 2
	WHEN name IN ('audit', 'audit_seal') THEN 3
	WHEN name IN (` + cacheTables + `) THEN 4
	WHEN name = 'blobs' THEN 5
	ELSE 0 END, name`

// tables lists the tables of the file in checkOrder, the cache's too
// unless skipCache.
func (s *Store) tables(ctx context.Context, skipCache bool) ([]string, error) {
	skip := "''"
	if skipCache {
		skip = cacheTables
	}
	return sqlitedb.QueryRows(ctx, s.read, "the tables", func(r *sql.Rows) (name string, err error) {
		return name, r.Scan(&name)
	}, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN (`+skip+`) AND name NOT LIKE 'sqlite_stat%'
		ORDER BY `+checkOrder)
}

// checkOnOpen runs the bounded check of Open: every table of a small file,
// the bench's own tables of a big one, for checkFor at most.
func (s *Store) checkOnOpen(ctx context.Context) error {
	var pages int
	if err := s.read.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return fmt.Errorf("read the page count: %w", err)
	}
	tables, err := s.tables(ctx, pages > s.checkAllBelow)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.checkFor)
	defer cancel()
	s.check, err = sqlitedb.QuickCheck(ctx, s.read, tables)
	return findings(s.check, err)
}

// CheckRest checks every table the check of Open did not reach: the cache
// of a big file, and what its deadline cut. It has no deadline of its own
// and takes seconds on a big store (4 s for 1,000,000 cached trade-ins), so
// the app runs it in the background once it is up; it only reads. Damage
// gives a *DamageError.
func (s *Store) CheckRest(ctx context.Context) (sqlitedb.CheckResult, error) {
	all, err := s.tables(ctx, false)
	if err != nil {
		return sqlitedb.CheckResult{}, s.damage("check", err)
	}
	done := s.check.Tables[:s.check.Checked]
	rest := slices.DeleteFunc(all, func(t string) bool { return slices.Contains(done, t) })
	res, err := sqlitedb.QuickCheck(ctx, s.read, rest)
	return res, s.damage("check", findings(res, err))
}

// OpenCheck is what the check of Open covered and how long it took.
func (s *Store) OpenCheck() sqlitedb.CheckResult { return s.check }

// Close stops what the store does in the background and closes both
// pools. A search index cut off goes on at the next BuildCacheIndexes.
func (s *Store) Close() error {
	s.search.stop()
	return errors.Join(s.read.Close(), s.write.Close())
}

// inTx runs fn in a write transaction and commits it durably, with the
// seals of the audit entries fn appended.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return sqlitedb.InTx(ctx, s.write, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.sealAudit(ctx, tx)
	})
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
