package hubdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	// The PostgreSQL driver of database/sql, pgx's.
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/intakebench/intakebench/internal/migrate"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// writeLock is the advisory lock every write transaction of every hub
// process takes on PostgreSQL (InTx): a number no other program on a
// shared server is likely to pick ("intakehub" in ASCII, folded to 63 bits).
const writeLock int64 = 0x696e74616b656875 & (1<<63 - 1)

// openPostgres opens the hub's PostgreSQL database at url and brings its
// schema up to date. Any number of hub processes may open one database:
// migrations, like every write, run under the write lock, so two
// processes starting at once migrate one after the other.
func openPostgres(ctx context.Context, url string) (*DB, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open hub database: %w", err)
	}
	// Writes queue for the one write lock; reads run beside them.
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(32)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := newDB(pool, pool, &statements{})
	if err := db.checkPostgres(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open hub database: %w", err)
	}
	if err := migrate.Run(ctx, db.beginWrite, "intakehub", sets("postgres")...); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open hub database: %w", err)
	}
	return db, nil
}

// checkPostgres refuses a database that would sort the hub's keys other
// than byte by byte: cursors, pages and stored times compare as the bytes
// they are, which only the C collations do.
func (db *DB) checkPostgres(ctx context.Context) error {
	var collate string
	err := db.read.QueryRowContext(ctx, `SELECT datcollate FROM pg_database WHERE datname = current_database()`).Scan(&collate)
	if err != nil {
		return fmt.Errorf("reach PostgreSQL: %w", err)
	}
	switch collate {
	case "C", "POSIX", "C.UTF-8", "C.utf8": // C.UTF-8 sorts by code point: for UTF-8, as bytes
	default:
		return errors.New("the database's collation is " + collate + ": the hub needs C, which sorts as bytes; " +
			"create the database with CREATE DATABASE … LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
	}
	return nil
}

// Status reports each component's applied and known schema versions of
// the database named by dsn without applying any: what `intakehub
// migrate` would do. A SQLite file that does not exist yet has nothing
// applied.
func Status(ctx context.Context, dsn string) ([]migrate.Applied, error) {
	var pool *sql.DB
	var err error
	dialect := "sqlite"
	if IsPostgres(dsn) {
		dialect = "postgres"
		pool, err = sql.Open("pgx", dsn)
	} else {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			// Reporting makes no file.
			return migrate.Unapplied(sets(dialect)...)
		}
		pool, err = sqlitedb.OpenWriter(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open hub database: %w", err)
	}
	defer pool.Close()
	begin := func(ctx context.Context) (*sql.Tx, error) { return pool.BeginTx(ctx, nil) }
	return migrate.Status(ctx, begin, sets(dialect)...)
}
