package mailpittest

import "syscall"

// dieWithParent makes mailpit die with the test binary, so a test that
// panics or is killed leaves no server behind.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
