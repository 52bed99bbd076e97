//go:build !linux

package serialscan_test

import "syscall"

func socatAttr() *syscall.SysProcAttr { return nil }
