// Package sqlitedb opens this project's SQLite files the one way they are
// all meant to be used: WAL, synchronous=FULL, foreign keys, a busy
// timeout, one writer connection whose transactions take the write lock at
// BEGIN, a read-only pool beside it, and embedded numbered migrations
// recorded in schema_migrations.
package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/intakebench/intakebench/internal/migrate"
)

// Pools are the two connection pools of one database file.
type Pools struct {
	Write *sql.DB // one connection: SQLite has one writer anyway
	Read  *sql.DB
}

// Open opens file, switches it to WAL and applies the migration sets
// (see package migrate). program names what to upgrade when the file is
// newer than the migrations. A file whose schema version is still kept in
// user_version (as before schema_migrations) has it adopted as the first
// set's, and adopt may take over any other older bookkeeping.
func Open(ctx context.Context, file, program string, readers int, adopt Adopter, sets ...migrate.Set) (*Pools, error) {
	if err := makePrivate(file); err != nil {
		return nil, err
	}
	w, err := OpenWriter(file)
	if err != nil {
		return nil, err
	}
	if err := initialise(ctx, w, program, adopt, sets); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	r, err := pool(file, false)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(readers)
	return &Pools{Write: w, Read: r}, nil
}

// Adopter records, in a database that kept its schema versions some other
// way, what was applied, through migrate.Record.
type Adopter func(ctx context.Context, tx *sql.Tx) error

// OpenWriter opens a single-connection writer pool on file, for a part of
// a program that keeps its own tables in a database another part opened.
func OpenWriter(file string) (*sql.DB, error) {
	if err := makePrivate(file); err != nil {
		return nil, err
	}
	w, err := pool(file, true)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	return w, nil
}

// PrivateMode is the mode of every database file and its -wal and -shm:
// they hold customers' names and contacts, operators' PIN hashes and the
// hashes of tokens, none of which another user of the machine may read.
const PrivateMode fs.FileMode = 0o600

// makePrivate makes file, unless it exists, with PrivateMode before SQLite
// opens it: SQLite would make it 0644 less the umask, and makes the -wal
// and -shm files with the mode of the database file. A file that exists,
// or its -wal or -shm, that the group or others may use loses that access;
// only the path and the modes are logged.
func makePrivate(file string) error {
	if runtime.GOOS == "windows" || file == "" || file == ":memory:" {
		return nil // Windows files have ACLs, not modes; memory has no file
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, PrivateMode)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("create %s: %w", file, err)
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("create %s: %w", file, err)
	}
	for _, name := range []string{file, file + "-wal", file + "-shm"} {
		info, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check the mode of %s: %w", name, err)
		}
		mode := info.Mode().Perm()
		if mode&0o077 == 0 {
			continue
		}
		// A file this process cannot narrow (another user's) still
		// opens: refusing would stop a hub or bench over its own data.
		if err := os.Chmod(name, mode&^0o077); err != nil {
			slog.Warn("a database file is readable by others and its mode cannot be narrowed",
				"file", name, "mode", mode.String(), "err", err)
			continue
		}
		slog.Info("narrowed the mode of a database file readable by others",
			"file", name, "from", mode.String(), "to", (mode &^ 0o077).String())
	}
	return nil
}

// Close closes both pools.
func (p *Pools) Close() error { return errors.Join(p.Read.Close(), p.Write.Close()) }

// Per-connection pragmas go in the DSN: a PRAGMA run through db.Exec would
// reach only one pooled connection.
func pool(file string, writer bool) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	if writer {
		// An immediate transaction takes the write lock at BEGIN, so it can
		// never fail later to upgrade from a read lock.
		q.Set("_txlock", "immediate")
		// A bulk pull touches index pages all over the file: with SQLite's
		// default 2 MiB cache the writer reads them from disk again and
		// again. 32 MiB fills only as a big write needs it.
		q.Add("_pragma", "cache_size(-32768)")
		// A bulk pull commits thousands of pages at a time: checkpointing
		// every 1,000 (the default) copies them to the database after each
		// commit. 4,096 pages (16 MiB of WAL) stay quick to recover.
		q.Add("_pragma", "wal_autocheckpoint(4096)")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	db, err := sql.Open("sqlite", "file:"+file+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	return db, nil
}

func initialise(ctx context.Context, w *sql.DB, program string, adopt Adopter, sets []migrate.Set) error {
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("not a usable SQLite database: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	begin := func(ctx context.Context) (*sql.Tx, error) { return w.BeginTx(ctx, nil) }
	if err := migrate.Run(ctx, begin, program); err != nil {
		return err
	}
	if len(sets) > 0 {
		if err := InTx(ctx, w, func(tx *sql.Tx) error { return adoptUserVersion(ctx, tx, sets[0].Component, adopt) }); err != nil {
			return fmt.Errorf("adopt the schema version: %w", err)
		}
	}
	return migrate.Run(ctx, begin, program, sets...)
}

// adoptUserVersion moves a schema version kept in PRAGMA user_version into
// schema_migrations as component's, then runs adopt, once, in a file that
// predates schema_migrations: user_version is 0 afterwards.
func adoptUserVersion(ctx context.Context, tx *sql.Tx, component string, adopt Adopter) error {
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read user_version: %w", err)
	}
	var tracked bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations)").Scan(&tracked); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if version == 0 || tracked {
		return nil
	}
	for v := 1; v <= version; v++ {
		if err := migrate.Record(ctx, tx, component, v, "adopted from user_version"); err != nil {
			return err
		}
	}
	if adopt != nil {
		if err := adopt(ctx, tx); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, "PRAGMA user_version = 0")
	return err
}

// InTx runs fn in a write transaction and commits it; with synchronous=FULL
// the commit has reached the disk when InTx returns nil.
func InTx(ctx context.Context, w *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := w.BeginTx(ctx, nil)
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
