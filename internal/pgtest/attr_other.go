//go:build !linux

package pgtest

import (
	"errors"
	"os"
	"syscall"
)

// procAttr runs a server program as the test binary's own user; elsewhere
// than on Linux there is neither a parent-death signal (a test binary that
// dies leaves its postmaster running) nor a switch to another user here.
func procAttr(owner *account) (*syscall.SysProcAttr, error) {
	if owner != nil {
		return nil, errors.New("pgtest: PostgreSQL refuses to run as root: run the tests as another user")
	}
	return nil, nil
}

// alive reports whether process pid may still run; when that cannot be
// told it says yes, which keeps its files.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// releaseSharedMemory does nothing here: a killed postmaster's System V
// segment is left.
func releaseSharedMemory(string) bool { return true }
