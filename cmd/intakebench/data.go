package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

func openStore(ctx context.Context, path string, opts ...store.Option) (*store.Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the folder for %s: %w", path, err)
	}
	return store.Open(ctx, path, opts...)
}

// storeLog is the store's background work's log, written where the
// command logs: the bench's log file for the app.
func storeLog(w io.Writer) store.Option {
	return store.WithLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

func runDemoData(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo-data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store to fill")
	n := fs.Int("tradeins", 500, "how many accepted trade-ins to make")
	seed := fs.Uint64("seed", 1, "random seed: the same seed makes the same data")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *n < 1 || *n > 10_000_000 {
		fmt.Fprintln(stderr, "demo-data: --tradeins must be between 1 and 10000000")
		return errUsage
	}
	s, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	filled, err := fillDemo(ctx, s, *n, *seed, func(done, total int) {
		fmt.Fprintf(stderr, "\r%d/%d trade-ins", done, total)
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d trade-ins, %d flagged IMEIs, %d operators in %s\n", *n, filled.flags, len(demo.Operators()), *db)
	return nil
}

type fillResult struct{ flags int }

// fillDemo writes n demo trade-ins to s in pages, reporting progress.
func fillDemo(ctx context.Context, s *store.Store, n int, seed uint64, progress func(done, total int)) (fillResult, error) {
	var res fillResult
	g := demo.NewGenerator(seed, time.Now())
	ops := make([]store.OperatorRecord, 0, len(demo.Operators()))
	for _, o := range demo.Operators() {
		ops = append(ops, store.OperatorRecord{Operator: o.Operator, Badge: o.Badge})
	}
	const page = 5000
	for done := 0; done < n; {
		c := store.Changes{Operators: ops}
		for range min(page, n-done) {
			t, flag := g.Next()
			c.TradeIns = append(c.TradeIns, t)
			if flag != nil {
				c.Flags = append(c.Flags, *flag)
			}
		}
		res.flags += len(c.Flags)
		cursor, err := s.Cursor(ctx)
		if err != nil {
			return res, err
		}
		if err := s.ApplyChanges(ctx, c, cursor); err != nil {
			return res, fmt.Errorf("write demo trade-ins: %w", err)
		}
		done += len(c.TradeIns)
		progress(done, n)
	}
	return res, nil
}

func runLookup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lookup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: intakebench lookup [--db PATH] SCAN...")
		return errUsage
	}
	s, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	bench := intake.NewBench(s, benchName(), time.Now, newKey)
	enc := json.NewEncoder(stdout)
	for _, scan := range fs.Args() {
		m, err := bench.Lookup(ctx, scan)
		if err != nil {
			return err
		}
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return nil
}

// openExisting opens a bench store that must exist already: opening makes a
// missing one, and a command that reads it would then find nothing and say
// nothing is wrong.
func openExisting(ctx context.Context, db string) (*store.Store, error) {
	if _, err := os.Stat(db); err != nil {
		return nil, fmt.Errorf("bench store %s: %w", db, err)
	}
	return store.Open(ctx, db)
}
