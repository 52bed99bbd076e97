package main

import (
	"context"
	"fmt"
	"io"

	"github.com/intakebench/intakebench/hub"
)

// runGCBlobs deletes the photo blobs no photo references, once they are
// older than --older-than: uploads whose event never came.
func runGCBlobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("gc-blobs", stderr)
	olderThan := fs.Duration("older-than", hub.DefaultBlobAge, "delete unreferenced blobs last uploaded longer ago than this")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *olderThan <= 0 {
		fmt.Fprintln(stderr, "gc-blobs: --older-than must be positive: a blob is uploaded before the event that references it")
		return errUsage
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	n, err := h.CollectBlobs(ctx, *olderThan)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %d unreferenced blobs\n", n)
	return nil
}
