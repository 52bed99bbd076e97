package main

import (
	"io"

	"github.com/intakebench/intakebench/internal/buildinfo"
)

// runVersion prints the version and commit the binary was built from.
func runVersion(_ []string, stdout io.Writer) error {
	buildinfo.Print(stdout, "intakebench", buildinfo.Get())
	return nil
}
