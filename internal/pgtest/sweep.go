package pgtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// dirPrefix names the directory of each run under the temporary directory.
const dirPrefix = "pgtest-"

// ownerFile, in a run's directory, holds the pid of the test binary that
// made it.
const ownerFile = "owner.pid"

// orphanAge is how old a run's directory without an owner file must be to
// be taken for a leftover: a run writes that file right after making the
// directory.
const orphanAge = time.Hour

// sweep removes from root the directories of runs whose test binary died
// without stopping its server (a panic, a timeout, a kill), which would
// otherwise pile up a cluster of some 40 MB each, and the shared memory
// segment their postmaster left. A directory is kept while its test binary,
// its postmaster or one of the postmaster's children still runs; errors
// are ignored, as a directory left now is tried again at the next start.
func sweep(root string, now time.Time) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), dirPrefix) {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if leftover(dir, now) && releaseSharedMemory(filepath.Join(dir, "data")) {
			_ = os.RemoveAll(dir)
		}
	}
}

// leftover reports whether dir belongs to a run that is over.
func leftover(dir string, now time.Time) bool {
	owner, err := readPid(filepath.Join(dir, ownerFile))
	if err != nil {
		fi, err := os.Stat(dir)
		return err == nil && now.Sub(fi.ModTime()) > orphanAge
	}
	if alive(owner) {
		return false
	}
	// Where the postmaster does not die with its parent it may outlive the
	// test binary; its files are left to it.
	postmaster, err := readPid(filepath.Join(dir, "data", "postmaster.pid"))
	return err != nil || !alive(postmaster)
}

// readPid reads the number on a file's first line.
func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}
