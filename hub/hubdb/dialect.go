package hubdb

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The hub's SQL is written once, in SQLite's spelling with ? placeholders,
// and the few places where PostgreSQL spells it otherwise are rewritten
// when a statement is first used (rebind): placeholders become $1, $2, …;
// a table's insertion order, SQLite's rowid, is an id column PostgreSQL's
// migrations add; SQLite's unary + (which only steers its planner) goes.
// Where the two databases differ in what they do, not how they say it
// (the change log's positions, a write's lock, errors), the operations
// ask tx.pg.

// statements caches each statement's PostgreSQL text.
type statements struct{ m sync.Map }

func (s *statements) rebind(q string) string {
	if v, ok := s.m.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, inString := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	out = strings.ReplaceAll(out, "ORDER BY rowid", "ORDER BY id")
	out = strings.ReplaceAll(out, "+c.entity", "c.entity")
	s.m.Store(q, out)
	return out
}

// conn is a transaction that speaks the database's dialect: the hub's
// operations call it as they would a *sql.Tx.
type conn struct {
	*sql.Tx
	pg    *statements // nil on SQLite
	stmts *stmtCache  // this transaction's prepared statements
}

func (c conn) sql(q string) string {
	if c.pg == nil {
		return q
	}
	return c.pg.rebind(q)
}

func (c conn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := c.stmts.get(ctx, c.Tx, c.sql(q))
	if err != nil {
		return nil, err
	}
	if s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.Tx.ExecContext(ctx, c.sql(q), args...)
}

func (c conn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := c.stmts.get(ctx, c.Tx, c.sql(q))
	if err != nil {
		return nil, err
	}
	if s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.Tx.QueryContext(ctx, c.sql(q), args...)
}

func (c conn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s, err := c.stmts.get(ctx, c.Tx, c.sql(q)); s != nil && err == nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.Tx.QueryRowContext(ctx, c.sql(q), args...)
}

func (c conn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return c.Tx.PrepareContext(ctx, c.sql(q))
}

// stmtCache keeps a transaction's prepared statements by their text, for
// the statements it runs more than once: compiling a statement costs more
// than running it (seeding a hundred thousand trade-ins spent two thirds
// of its time in SQLite's parser). A statement is prepared on its second
// use, so a transaction that runs each once pays nothing; the
// statements close with the transaction. Statements whose text is built
// per call (IN lists, multi-row inserts) are bounded by maxCached.
type stmtCache struct {
	seen map[string]int
	m    map[string]*sql.Stmt
}

const maxCached = 256

func (c *stmtCache) get(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	if c == nil {
		return nil, nil
	}
	if s, ok := c.m[q]; ok {
		return s, nil
	}
	if c.seen == nil {
		c.seen, c.m = map[string]int{}, map[string]*sql.Stmt{}
	}
	c.seen[q]++
	if c.seen[q] < 2 || len(c.m) >= maxCached {
		return nil, nil
	}
	s, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.m[q] = s
	return s, nil
}

// classify marks a locked or overloaded database as ErrBusy, keeping the
// cause.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		if code := se.Code() & 0xff; code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED {
			return errors.Join(ErrBusy, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "55P03", "53300", "57014": // serialization, deadlock, lock not available, too many connections, cancelled by timeout
			return errors.Join(ErrBusy, err)
		}
	}
	return err
}

// uniqueViolation tells a unique-constraint failure, which callers answer
// as a conflict, from the database failing.
func uniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
