//go:build !linux

package serialtest

import "syscall"

func dieWithParent() *syscall.SysProcAttr { return nil }
