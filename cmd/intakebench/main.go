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

Run 'intakebench COMMAND -h' for a command's flags.
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
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "intakebench:", err)
		os.Exit(1)
	}
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
