package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/intakebench/intakebench/hub/exports"
	"github.com/intakebench/intakebench/hub/hubdb"
)

const exportUsage = `usage: intakehub export units|payouts|stock|audit [--since RFC3339|YYYY-MM-DD] [--db hub.db]

Writes CSV with a header row on standard output: units changed, ledger
entries made or bench events received since the time given (all without).`

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags, db := newFlags("export", stderr)
	since := flags.String("since", "", "only what changed at or after this time: RFC 3339 or a date (UTC)")
	flags.Usage = func() { fmt.Fprintln(stderr, exportUsage); flags.PrintDefaults() }
	pos, err := parse(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, exportUsage)
		return errUsage
	}
	kind, err := exports.ParseKind(pos[0])
	if err == nil {
		_, err = exports.ParseSince(*since)
	}
	if err != nil {
		fmt.Fprintf(stderr, "export: %v\n", err)
		return errUsage
	}
	from, _ := exports.ParseSince(*since)
	// Opening a database creates it: an export of a file that is not
	// there is a mistyped path, not an empty hub.
	if _, err := os.Stat(*db); !hubdb.IsPostgres(*db) && errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("export: there is no hub database %s", *db)
	}
	h, err := hubdb.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	out := bufio.NewWriterSize(stdout, 64<<10)
	n, err := exports.New(h).Export(ctx, kind, from, out)
	if err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d %s rows\n", n, kind)
	return nil
}
