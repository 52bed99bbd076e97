//go:build !linux

package mailpittest

import "syscall"

func dieWithParent() *syscall.SysProcAttr { return nil }
