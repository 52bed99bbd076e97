// Package migrate is the one migration runner of this project's databases.
// A database holds named sets of migrations (the hub's own tables, the
// public API's, the webhooks'; the bench store's), each a folder of files
// 0001_name.sql, 0002_..., applied in order, each in its own transaction
// together with its row in schema_migrations(component, version).
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Set is one component's migrations: the files under Dir of FS.
type Set struct {
	Component string
	FS        fs.FS
	Dir       string
}

// Applied is what a database holds of a set.
type Applied struct {
	Component string
	Version   int // the newest applied, 0 for none
	Known     int // the newest this program has
}

var componentName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// createTable is portable SQL: SQLite and PostgreSQL both take it.
const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	component  TEXT NOT NULL,
	version    INTEGER NOT NULL,
	name       TEXT NOT NULL,
	PRIMARY KEY (component, version)
)`

// Begin starts the transaction a migration runs in; SQLite's writer pool
// takes its write lock at BEGIN, a PostgreSQL one may take an advisory
// lock so two hub processes never migrate at once.
type Begin func(ctx context.Context) (*sql.Tx, error)

// Run applies every migration of sets that the database has not recorded.
// program names what to upgrade when the database is newer than it.
func Run(ctx context.Context, begin Begin, program string, sets ...Set) error {
	if err := inTx(ctx, begin, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, createTable)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, s := range sets {
		if err := runSet(ctx, begin, program, s); err != nil {
			return err
		}
	}
	return nil
}

func runSet(ctx context.Context, begin Begin, program string, s Set) error {
	files, err := s.files()
	if err != nil {
		return err
	}
	for version, file := range files {
		version++
		err := inTx(ctx, begin, func(tx *sql.Tx) error {
			current, err := recorded(ctx, tx, s.Component)
			if err != nil {
				return err
			}
			if current > len(files) {
				return fmt.Errorf("the database's %s schema is at version %d, newer than this program knows (%d): upgrade %s",
					s.Component, current, len(files), program)
			}
			if version <= current {
				return nil
			}
			body, err := fs.ReadFile(s.FS, file)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			return Record(ctx, tx, s.Component, version, path.Base(file))
		})
		if err != nil {
			return fmt.Errorf("migration %s %s: %w", s.Component, file, err)
		}
	}
	return nil
}

// files lists the set's migrations in order, checking they are numbered
// 1, 2, 3 … with no gap.
func (s Set) files() ([]string, error) {
	if !componentName.MatchString(s.Component) {
		return nil, fmt.Errorf("migration set %q: a component is named in lower case letters, digits and _", s.Component)
	}
	files, err := fs.Glob(s.FS, s.Dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for i, f := range files {
		if n, _ := strconv.Atoi(strings.SplitN(path.Base(f), "_", 2)[0]); n != i+1 {
			return nil, fmt.Errorf("migration %s is out of sequence: want number %d", f, i+1)
		}
	}
	return files, nil
}

// Record notes that version of component is applied. Run calls it; a
// database adopting an older bookkeeping calls it for what was applied
// before.
func Record(ctx context.Context, tx *sql.Tx, component string, version int, name string) error {
	if !componentName.MatchString(component) {
		return fmt.Errorf("component %q: not a component name", component)
	}
	// The values are checked above or are numbers: no placeholder is
	// needed, and the statement is the same in every SQL dialect.
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO schema_migrations (component, version, name) VALUES ('%s', %d, '%s')`,
		component, version, strings.ReplaceAll(name, "'", "''")))
	return err
}

// Unapplied reports sets as a database that holds none of them: version 0
// of each, and the newest known.
func Unapplied(sets ...Set) ([]Applied, error) {
	var out []Applied
	for _, s := range sets {
		files, err := s.files()
		if err != nil {
			return nil, err
		}
		out = append(out, Applied{Component: s.Component, Known: len(files)})
	}
	return out, nil
}

// Status reports, for each set, the newest version applied and known.
func Status(ctx context.Context, begin Begin, sets ...Set) ([]Applied, error) {
	var out []Applied
	err := inTx(ctx, begin, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, createTable); err != nil {
			return err
		}
		for _, s := range sets {
			files, err := s.files()
			if err != nil {
				return err
			}
			v, err := recorded(ctx, tx, s.Component)
			if err != nil {
				return err
			}
			out = append(out, Applied{Component: s.Component, Version: v, Known: len(files)})
		}
		return nil
	})
	return out, err
}

func recorded(ctx context.Context, tx *sql.Tx, component string) (int, error) {
	var v sql.NullInt64
	err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT max(version) FROM schema_migrations WHERE component = '%s'`, component)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read the %s schema version: %w", component, err)
	}
	return int(v.Int64), nil
}

func inTx(ctx context.Context, begin Begin, fn func(*sql.Tx) error) error {
	tx, err := begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
