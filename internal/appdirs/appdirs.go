// Package appdirs says where a program keeps its data, logs and settings
// by the platform's conventions: the XDG base directories on Linux and
// the other Unixes, %LOCALAPPDATA% and %APPDATA% on Windows, the Library
// folders on macOS. Flags override them (intakebench --db); this package
// only supplies the defaults.
package appdirs

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Dirs are one program's directories. None is created here.
type Dirs struct {
	// Data holds what the program must not lose: the bench's database,
	// its token, receipts. $XDG_DATA_HOME/NAME, %LOCALAPPDATA%\NAME.
	Data string
	// State holds what is worth keeping but can be lost: logs.
	// $XDG_STATE_HOME/NAME, %LOCALAPPDATA%\NAME\logs.
	State string
	// Config holds settings a person chose: $XDG_CONFIG_HOME/NAME,
	// %APPDATA%\NAME (roaming: it follows a Windows user between machines,
	// where a database, kept local, does not).
	Config string
}

// Env is what the directories are derived from, so that any platform's
// answer can be worked out (and tested) on any other.
type Env struct {
	GOOS   string
	Getenv func(string) string
	Home   string // the user's home directory; "" when unknown
}

// Current is this process's environment.
func Current() Env {
	home, _ := os.UserHomeDir() // "" is handled where a path needs it
	return Env{GOOS: runtime.GOOS, Getenv: os.Getenv, Home: home}
}

// ErrNoHome is returned when a directory depends on a home directory or
// variable the environment does not give.
var ErrNoHome = errors.New("no home directory to keep files in")

// For returns the directories of the program name in env.
func For(name string, env Env) (Dirs, error) {
	switch env.GOOS {
	case "windows":
		local, roaming := env.Getenv("LOCALAPPDATA"), env.Getenv("APPDATA")
		if local == "" || roaming == "" {
			if env.Home == "" {
				return Dirs{}, fmt.Errorf("%w: LOCALAPPDATA and APPDATA are not set", ErrNoHome)
			}
			if local == "" {
				local = winJoin(env.Home, "AppData", "Local")
			}
			if roaming == "" {
				roaming = winJoin(env.Home, "AppData", "Roaming")
			}
		}
		return Dirs{
			Data:   winJoin(local, name),
			State:  winJoin(local, name, "logs"),
			Config: winJoin(roaming, name),
		}, nil
	case "darwin", "ios":
		if env.Home == "" {
			return Dirs{}, ErrNoHome
		}
		support := unixJoin(env.Home, "Library", "Application Support", name)
		return Dirs{Data: support, State: unixJoin(env.Home, "Library", "Logs", name), Config: support}, nil
	}
	var d Dirs
	for _, x := range []struct {
		dst      *string
		variable string
		fallback []string
	}{
		{&d.Data, "XDG_DATA_HOME", []string{".local", "share"}},
		{&d.State, "XDG_STATE_HOME", []string{".local", "state"}},
		{&d.Config, "XDG_CONFIG_HOME", []string{".config"}},
	} {
		base := env.Getenv(x.variable)
		// The base directory specification: a relative path in the
		// variable is invalid and is ignored.
		if !strings.HasPrefix(base, "/") {
			if env.Home == "" {
				return Dirs{}, fmt.Errorf("%w: %s is not set", ErrNoHome, x.variable)
			}
			base = unixJoin(append([]string{env.Home}, x.fallback...)...)
		}
		*x.dst = unixJoin(base, name)
	}
	return d, nil
}

// Path joins a file name to a directory of d's platform (dir came from
// For with the same env).
func (env Env) Path(dir string, elem ...string) string {
	if env.GOOS == "windows" {
		return winJoin(append([]string{dir}, elem...)...)
	}
	return unixJoin(append([]string{dir}, elem...)...)
}

func unixJoin(elem ...string) string { return join("/", elem) }
func winJoin(elem ...string) string  { return join(`\`, elem) }

// join joins with sep, without doubling a separator an element ends with.
// path/filepath joins with the separator of the platform it runs on, and
// these paths may be another platform's.
func join(sep string, elem []string) string {
	var b strings.Builder
	for i, e := range elem {
		if i > 0 {
			if !strings.HasSuffix(b.String(), sep) && !strings.HasSuffix(b.String(), "/") {
				b.WriteString(sep)
			}
			e = strings.TrimLeft(e, `/\`)
		}
		b.WriteString(e)
	}
	return b.String()
}
