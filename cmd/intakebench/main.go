// Command intakebench is the receiving bench app: the GUI by default, and
// headless subcommands for scripting and tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/intakebench/intakebench/internal/sqlitedb"
	"github.com/intakebench/intakebench/store"
)

const usage = `usage: intakebench [command] [flags]

commands:
  run        start the bench app (the default)
  parse      parse scans (arguments, or one per stdin line) into identifiers, as JSON
  lookup     resolve scans against a bench store, as JSON
  demo-data  fill a bench store with realistic accepted trade-ins
  decode     decode the barcodes in image files, as JSON
  enroll     enroll this bench with a hub using a one-time code
  sync       sync this bench with its hub
  audit      verify the bench's audit log: intakebench audit verify
  check      check the whole bench store for damage (every start checks part of it)
  label      print, render or show a unit's label: intakebench label print UNIT
  printer    set up the label and receipt printers: intakebench printer set|show|status|test
  receipt    a walk-in's PDF receipt: intakebench receipt pdf|print REFERENCE
  version    print the version and commit this build is of

Run 'intakebench COMMAND -h' for a command's flags. Exit status: 1 when a
command fails, 2 for a command line that makes no sense, 3 when the bench's
database is damaged (stop using the bench).
`

// errUsage is a command line that makes no sense; its message has been
// printed already.
var errUsage = errors.New("usage")

type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

func commands() map[string]command {
	return map[string]command{
		"run":       runGUI,
		"parse":     runParse,
		"lookup":    runLookup,
		"demo-data": runDemoData,
		"decode": func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runDecode(ctx, args, stdout, stderr)
		},
		"enroll": func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runEnroll(ctx, args, stdout, stderr)
		},
		"sync": func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return runSync(ctx, args, stdout, stderr)
		},
		"audit":   runAudit,
		"check":   runCheck,
		"label":   runLabel,
		"printer": runPrinter,
		"receipt": runReceipt,
		"version": func(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
			return runVersion(args, stdout)
		},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stderr, closeLog := openLog(os.Args[1:], os.Stderr, os.Getenv)
	err := dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout, stderr)
	stop()
	if err != nil {
		code := exit(err, stderr)
		closeLog()
		os.Exit(code)
	}
	closeLog()
}

// exit reports err, a command's failure, and returns the exit status.
func exit(err error, stderr io.Writer) int {
	switch {
	case errors.Is(err, errUsage):
		return 2 // the message is out already
	case errors.Is(err, store.ErrDamaged), sqlitedb.Damaged(err):
		fmt.Fprintln(stderr, "intakebench:", err)
		fmt.Fprintln(stderr, "intakebench: stop using this bench and call a supervisor; leave the database file as it is: it may hold receipts the hub has not yet received")
		return 3
	}
	fmt.Fprintln(stderr, "intakebench:", err)
	return 1
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	name := "run"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "intakebench: unknown command %q\n\n%s", name, usage)
		return errUsage
	}
	return cmd(ctx, args, stdin, stdout, stderr)
}
