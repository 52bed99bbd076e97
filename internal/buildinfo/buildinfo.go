// Package buildinfo is the version and commit a binary was built from.
//
// make build and make release set them at link time:
//
//	go build -ldflags '-X github.com/intakebench/intakebench/internal/buildinfo.version=V
//	                   -X github.com/intakebench/intakebench/internal/buildinfo.commit=C'
//
// A plain go build gets "dev" and the commit Go records itself (vcs.revision).
package buildinfo

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version and commit are package variables only because the linker's -X
// sets nothing else; nothing in the program assigns them.
var (
	version string
	commit  string
)

// Info is what a binary says about its build.
type Info struct {
	Version string // git describe --always --dirty at build time, "dev" when not set
	Commit  string // the full commit hash, "" when unknown
	Go      string // the Go release it was built with
	OS      string // GOOS/GOARCH
}

// Get returns this binary's build information.
func Get() Info {
	info := Info{Version: version, Commit: commit, Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = vcsRevision()
	}
	return info
}

// vcsRevision is the commit go build recorded, with "-dirty" when the
// tree had changes, or "".
func vcsRevision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" && modified == "true" {
		rev += "-dirty"
	}
	return rev
}

// Print writes what `intakebench version` and `intakehub version` show:
// the program and its version, then the commit and the toolchain.
func Print(w io.Writer, program string, info Info) {
	fmt.Fprintf(w, "%s %s\n", program, info.Version)
	if info.Commit != "" {
		fmt.Fprintf(w, "commit %s\n", info.Commit)
	}
	fmt.Fprintf(w, "built with %s for %s\n", info.Go, info.OS)
}
