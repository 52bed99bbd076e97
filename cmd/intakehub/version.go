package main

import (
	"context"
	"io"

	"github.com/intakebench/intakebench/internal/buildinfo"
)

// runVersion prints the version and commit the binary was built from.
func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	buildinfo.Print(stdout, "intakehub", buildinfo.Get())
	return nil
}
