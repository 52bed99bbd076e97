package hubdb_test

import (
	"context"
	"testing"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/hubdb/hubdbtest"
	"github.com/intakebench/intakebench/internal/pgtest"
)

func openPostgres(t *testing.T) *hubdb.DB {
	t.Helper()
	db, err := hubdb.Open(context.Background(), pgtest.Start(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The same suite as SQLite's, on a real PostgreSQL.
func TestPostgresConforms(t *testing.T) { hubdbtest.Run(t, openPostgres) }
