// Package hubdbtest is the conformance suite of the hub's storage layer:
// every dialect of hubdb runs Run as it is, so callers can rely on each
// named operation behaving the same on SQLite and PostgreSQL.
package hubdbtest

import (
	"context"
	"testing"

	"github.com/intakebench/intakebench/hub/hubdb"
)

// Opener opens a new, empty, migrated hub database for one test; the
// database is closed and removed when the test ends.
type Opener func(t *testing.T) *hubdb.DB

// Run runs the whole suite against databases from open.
func Run(t *testing.T, open Opener) {
	for _, area := range []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"core", core},
		{"public", public},
		{"webhooks", webhooks},
		{"auth", auth},
		{"lifecycle", lifecycle},
		{"concurrency", concurrency},
	} {
		t.Run(area.name, func(t *testing.T) { area.run(t, open) })
	}
}

// inTx runs fn in a write transaction and fails the test on an error.
func inTx(t *testing.T, db *hubdb.DB, fn func(*hubdb.Tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// view runs fn in a read transaction and fails the test on an error.
func view(t *testing.T, db *hubdb.DB, fn func(*hubdb.Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
