package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// CheckResult is what a quick check covered and found.
type CheckResult struct {
	Tables []string // the tables to check, with their indexes, in order
	// Checked counts the tables whose check finished: all of them unless
	// the deadline cut the check short.
	Checked int
	// Problems are SQLite's findings, each after its table's name; none
	// when what was checked is whole.
	Problems []string
	Took     time.Duration
}

// Complete reports whether every table was checked.
func (r CheckResult) Complete() bool { return r.Checked == len(r.Tables) }

// maxProblems is how many findings a check keeps: the first few say the file
// is damaged as well as a thousand would.
const maxProblems = 10

// QuickCheck runs SQLite's quick_check on tables and their indexes, in
// order: the b-tree structure of every page they use, without comparing an
// index with its table. A deadline of ctx that cuts the check short leaves
// it incomplete, which is not an error: nothing was found wrong in the
// tables checked by then. A file SQLite cannot read gives an error that
// Damaged recognises.
func QuickCheck(ctx context.Context, db *sql.DB, tables []string) (res CheckResult, err error) {
	start := time.Now()
	defer func() { res.Took = time.Since(start) }()
	res.Tables = tables
	if len(tables) == 0 {
		return res, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, cut(ctx, err)
	}
	defer conn.Close()
	// A statement per table: the driver interrupts a statement for the
	// deadline only while it computes its first row, and a table's check is
	// all done before its first row.
	stmt, err := conn.PrepareContext(ctx, "SELECT quick_check FROM pragma_quick_check(?)")
	if err != nil {
		return res, cut(ctx, err)
	}
	defer stmt.Close()
	for _, table := range tables {
		lines, err := checkTable(ctx, stmt, table)
		for _, line := range lines {
			line = strings.Join(strings.Fields(strings.TrimPrefix(line, "*** in database main ***")), " ")
			if line != "ok" && len(res.Problems) < maxProblems {
				res.Problems = append(res.Problems, table+": "+line)
			}
		}
		switch {
		case len(res.Problems) > 0:
			// The first damaged table says enough; SQLite fails the
			// statement too after reporting what it found.
			return res, nil
		case err != nil:
			if err := cut(ctx, err); err != nil {
				return res, fmt.Errorf("%s: %w", table, err)
			}
			return res, nil // cut short
		}
		res.Checked++
	}
	return res, nil
}

func checkTable(ctx context.Context, stmt *sql.Stmt, table string) ([]string, error) {
	rows, err := stmt.QueryContext(ctx, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return lines, err
		}
		lines = append(lines, line)
	}
	return lines, rows.Err()
}

// cut drops the error of a check that ctx's deadline interrupted: the check
// was bounded, not failed.
func cut(ctx context.Context, err error) error {
	var se *sqlite.Error
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && (errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_INTERRUPT) {
		return nil
	}
	return err
}

// Damaged reports whether err is SQLite finding the file malformed
// (SQLITE_CORRUPT) or not a database at all (SQLITE_NOTADB): damage to the
// file, not a failure to reach it.
func Damaged(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
}
