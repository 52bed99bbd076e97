package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"
)

func runAudit(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	usage := "usage: intakebench audit verify [--db PATH]"
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	s, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	sum, err := s.VerifyAuditSummary(ctx)
	if err != nil {
		return fmt.Errorf("audit log of %s: %w", *db, err)
	}
	fmt.Fprintf(stdout, "audit log of %s: %d entries verified\n", *db, sum.Entries)
	if sum.KeyedFrom > 1 {
		fmt.Fprintf(stdout, "entries 1 to %d predate the audit key and verify on their plain hashes\n", min(sum.KeyedFrom-1, sum.Entries))
	}
	if sum.Entries >= sum.KeyedFrom {
		fmt.Fprintf(stdout, "entries %d to %d are sealed with the key in %s\n", sum.KeyedFrom, sum.Entries, s.AuditKeyFile())
	}
	if sum.Entries > 0 {
		fmt.Fprintf(stdout, "head: entry %d, %s\n", sum.Head.Seq, sum.Head.Hash)
	}
	return nil
}

// runCheck checks the whole bench store, without the time bound of the
// check every start runs: what a supervisor runs on a bench in doubt.
func runCheck(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: intakebench check [--db PATH]")
		return errUsage
	}
	s, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	rest, err := s.CheckRest(ctx)
	if err != nil {
		return err
	}
	first := s.OpenCheck()
	fmt.Fprintf(stdout, "bench store %s: %d tables checked in %s, no damage found\n", *db,
		first.Checked+rest.Checked, (first.Took + rest.Took).Round(time.Millisecond))
	return nil
}
