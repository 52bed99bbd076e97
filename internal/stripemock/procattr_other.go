//go:build !linux

package stripemock

import "os/exec"

// setProcAttr does nothing where there is no parent-death signal: a test
// binary that dies without cleaning up leaves stripe-mock running.
func setProcAttr(*exec.Cmd) {}
