// Package sqlitedb opens this project's SQLite files the one way they are
// all meant to be used: WAL, synchronous=FULL, foreign keys, a busy
// timeout, one writer connection whose transactions take the write lock at
// BEGIN, a read-only pool beside it, and embedded numbered migrations
// tracked in user_version.
package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Pools are the two connection pools of one database file.
type Pools struct {
	Write *sql.DB // one connection: SQLite has one writer anyway
	Read  *sql.DB
}

// Open opens file, switches it to WAL and applies the migrations under
// dir of migrations (files named 0001_name.sql, 0002_...). program names
// what to upgrade when the file is newer than the migrations.
func Open(ctx context.Context, file string, migrations fs.FS, dir, program string, readers int) (*Pools, error) {
	w, err := OpenWriter(file)
	if err != nil {
		return nil, err
	}
	if err := initialise(ctx, w, migrations, dir, program); err != nil {
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

// OpenWriter opens a single-connection writer pool on file, for a part of
// a program that keeps its own tables in a database another part opened.
func OpenWriter(file string) (*sql.DB, error) {
	w, err := pool(file, true)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	return w, nil
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

func initialise(ctx context.Context, w *sql.DB, migrations fs.FS, dir, program string) error {
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("not a usable SQLite database: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	return migrate(ctx, w, migrations, dir, program)
}

// migrate applies the migrations newer than the schema's user_version, each
// in its own transaction together with the new version.
func migrate(ctx context.Context, w *sql.DB, migrations fs.FS, dir, program string) error {
	files, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	var current int
	if err := w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(files) {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d): upgrade %s", current, len(files), program)
	}
	for i, f := range files {
		version := i + 1
		if n, _ := strconv.Atoi(strings.SplitN(path.Base(f), "_", 2)[0]); n != version {
			return fmt.Errorf("migration %s is out of sequence: want number %d", f, version)
		}
		if version <= current {
			continue
		}
		body, err := fs.ReadFile(migrations, f)
		if err != nil {
			return err
		}
		err = InTx(ctx, w, func(tx *sql.Tx) error {
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
