package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/intakebench/intakebench/intake"
)

// parsed is one line of `intakebench parse` output.
type parsed struct {
	Input       string              `json:"input"`
	Identifiers []intake.Identifier `json:"identifiers"`
	Error       string              `json:"error,omitempty"`
}

func runParse(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: intakebench parse [SCAN...]\n\nWith no SCAN, parses one scan per line of standard input.")
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	emit := func(scan string) error {
		ids, err := intake.ParseScan(scan)
		p := parsed{Input: scan, Identifiers: ids}
		if p.Identifiers == nil {
			p.Identifiers = []intake.Identifier{}
		}
		if err != nil {
			p.Error = err.Error()
		}
		return enc.Encode(p)
	}
	if fs.NArg() > 0 {
		for _, scan := range fs.Args() {
			if err := emit(scan); err != nil {
				return err
			}
		}
		return nil
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := emit(sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read scans: %w", err)
	}
	return nil
}
