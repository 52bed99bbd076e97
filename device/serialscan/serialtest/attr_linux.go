package serialtest

import "syscall"

// dieWithParent makes socat die with the test binary, so a test that
// panics leaves no pseudo-terminal pair behind.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
