package serialscan_test

import "syscall"

// socatAttr makes socat die with the test binary, so a test that panics
// leaves no pseudo-terminal pair behind.
func socatAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
