package main

import (
	"fmt"
	"io"
	"time"

	"github.com/intakebench/intakebench/internal/appdirs"
	"github.com/intakebench/intakebench/internal/buildinfo"
	"github.com/intakebench/intakebench/internal/logfile"
)

// appName names the bench's directories: ~/.local/share/intakebench,
// %LOCALAPPDATA%\intakebench.
const appName = "intakebench"

// logEnv names the variable that moves the app's log file, or turns it
// off with "off". The default is bench.log in the state directory
// (~/.local/state/intakebench, %LOCALAPPDATA%\intakebench\logs).
const logEnv = "INTAKEBENCH_LOG"

// The log is rotated at 5 MB, keeping 3 old files: 20 MB at most, weeks of
// a busy bench's warnings.
const (
	logMaxBytes = 5 << 20
	logKeep     = 3
)

// openLog tees stderr into the app's log file when the command is the app
// (run, the default): a bench started from a desktop entry or a kiosk
// session has no terminal, and its stderr would be lost. Headless commands
// write to the terminal they run in and get stderr as it is. The returned
// function closes the file.
func openLog(args []string, stderr io.Writer, getenv func(string) string) (io.Writer, func()) {
	if len(args) > 0 && args[0] != "run" && args[0] != "" && args[0][0] != '-' {
		return stderr, func() {}
	}
	path := getenv(logEnv)
	if path == "off" {
		return stderr, func() {}
	}
	if path == "" {
		env := appdirs.Current()
		dirs, err := appdirs.For(appName, env)
		if err != nil {
			fmt.Fprintf(stderr, "intakebench: no log file: %v\n", err)
			return stderr, func() {}
		}
		path = env.Path(dirs.State, "bench.log")
	}
	f, err := logfile.Open(path, logMaxBytes, logKeep)
	if err != nil {
		fmt.Fprintf(stderr, "intakebench: no log file: %v\n", err)
		return stderr, func() {}
	}
	// The file first: a kiosk's stderr may be closed, and a failed write
	// there must not cost the file its line.
	w := io.MultiWriter(logfile.Stamped(f, time.Now), stderr)
	info := buildinfo.Get()
	fmt.Fprintf(w, "intakebench %s (commit %s) starting\n", info.Version, info.Commit)
	return w, func() { f.Close() }
}

// defaultDB is where the bench keeps its store unless --db says otherwise:
// bench.db in the data directory.
func defaultDB() string {
	env := appdirs.Current()
	dirs, err := appdirs.For(appName, env)
	if err != nil {
		return "bench.db"
	}
	return env.Path(dirs.Data, "bench.db")
}
