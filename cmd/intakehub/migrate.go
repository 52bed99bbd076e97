package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/migrate"
)

// runMigrate reports the database's schema versions and, unless --status
// is given, applies what is missing (every hub process does that when it
// starts; this is for doing it first, in a deployment's own step).
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("migrate", stderr)
	statusOnly := fs.Bool("status", false, "only report: apply nothing")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	before, err := hubdb.Status(ctx, *db)
	if err != nil {
		return err
	}
	after := before
	if !*statusOnly {
		opened, err := hubdb.Open(ctx, *db)
		if err != nil {
			return err
		}
		after, err = opened.Migrations(ctx)
		opened.Close()
		if err != nil {
			return err
		}
	}
	printMigrations(stdout, before, after)
	return nil
}

func printMigrations(w io.Writer, before, after []migrate.Applied) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tAPPLIED\tKNOWN\tSTATE")
	for i, a := range after {
		state := "up to date"
		switch {
		case a.Version < a.Known:
			state = fmt.Sprintf("%d to apply", a.Known-a.Version)
		case a.Version > a.Known:
			state = "newer than this program"
		case i < len(before) && before[i].Version < a.Version:
			state = fmt.Sprintf("applied %d", a.Version-before[i].Version)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", a.Component, a.Version, a.Known, state)
	}
	tw.Flush()
}
