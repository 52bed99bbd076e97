package stripemock

import (
	"os/exec"
	"syscall"
)

// setProcAttr has the kernel kill stripe-mock if the test binary dies
// without running its cleanups (a test timeout's panic, a kill), so no mock
// outlives its test holding a port.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
