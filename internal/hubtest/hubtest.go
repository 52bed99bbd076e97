// Package hubtest runs a real hub for tests: a SQLite file in the test's
// temporary directory behind a real HTTP server on loopback.
package hubtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/pgtest"
)

// Hub is a running hub.
type Hub struct {
	*hub.Hub
	Server *hub.Server
	HTTP   *httptest.Server
	URL    string
	Path   string // the database: a SQLite file or a PostgreSQL URL
	Seeded demo.SeedSummary
}

// Config says what to start.
type Config struct {
	TradeIns  int    // demo trade-ins to seed (the catalog and operators are always seeded)
	Seed      uint64 // demo data seed
	Hub       hub.Config
	Server    []hub.ServerOption
	Unlimited bool // no rate limit: load tests
	// Postgres puts this hub on PostgreSQL whatever DBEnv says: a
	// benchmark that compares the two databases in one run.
	Postgres bool
}

// DBEnv names the environment variable that chooses the hub tests'
// database: "postgres" runs them on PostgreSQL (make test runs the hub's
// packages once each way), anything else on SQLite.
const DBEnv = "INTAKEBENCH_TEST_DB"

// Postgres reports whether this run's hub tests are on PostgreSQL.
func Postgres() bool { return os.Getenv(DBEnv) == "postgres" }

// DSN is a fresh, empty hub database for a test: a SQLite file in the
// test's directory, or on PostgreSQL runs a new database on the test
// binary's server, whose package's TestMain calls Main.
func DSN(t testing.TB) string {
	t.Helper()
	if Postgres() {
		return pgtest.Start(t).NewDatabase(t)
	}
	return filepath.Join(t.TempDir(), "hub.db")
}

// Main runs a package's tests, and stops the PostgreSQL server they may
// have started: the TestMain of every package that uses DSN or New.
func Main(m *testing.M) { pgtest.Main(m) }

// Raw opens the hub database dsn for a test to read it behind the hub's
// back, as the database itself has it; it closes when the test ends.
func Raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, name := "sqlite", "file:"+dsn+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)"
	if hubdb.IsPostgres(dsn) {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// New starts a seeded hub; it stops when the test ends.
func New(t testing.TB, c Config) *Hub {
	t.Helper()
	ctx := context.Background()
	path := DSN(t)
	if c.Postgres && !hubdb.IsPostgres(path) {
		path = pgtest.Start(t).NewDatabase(t)
	}
	h, err := hub.Open(ctx, path, c.Hub)
	if err != nil {
		t.Fatal(err)
	}
	seeded, err := demo.SeedHub(ctx, h, demo.HubSeed{TradeIns: c.TradeIns, Seed: max(c.Seed, 1)})
	if err != nil {
		t.Fatal(err)
	}
	opts := c.Server
	if c.Unlimited {
		opts = append([]hub.ServerOption{hub.WithRateLimit(0, 0)}, opts...)
	}
	srv := hub.NewServer(h, opts...)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		h.Close()
	})
	return &Hub{Hub: h, Server: srv, HTTP: hs, URL: hs.URL, Path: path, Seeded: seeded}
}

// Another starts a second hub on h's database, as a second hub process
// behind a load balancer would be, and returns its URL; it stops when the
// test ends. The two share nothing but the database.
func (h *Hub) Another(t testing.TB) string {
	t.Helper()
	other, err := hub.Open(context.Background(), h.Path, hub.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(hub.NewServer(other, hub.WithRateLimit(0, 0)))
	t.Cleanup(func() {
		hs.Close()
		other.Close()
	})
	return hs.URL
}

// Code makes a one-time enrollment code for bench name with scopes (the
// bench scopes when none are given).
func (h *Hub) Code(t testing.TB, name string, scopes ...string) string {
	t.Helper()
	if len(scopes) == 0 {
		scopes = wire.BenchScopes
	}
	code, err := h.CreateEnrollment(context.Background(), name, scopes, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Receivable returns the seeded trade-ins a bench may receive: those whose
// IMEI the registry has not flagged.
func (h *Hub) Receivable(t testing.TB) []intake.TradeIn {
	t.Helper()
	ctx := context.Background()
	var out []intake.TradeIn
	for i := 1; i <= h.Seeded.TradeIns; i++ {
		ti, err := h.TradeIn(ctx, fmt.Sprintf("ti-%08d", i))
		if err != nil {
			t.Fatal(err)
		}
		check, err := h.CheckIMEI(ctx, ti.IMEI)
		if err != nil {
			t.Fatal(err)
		}
		if check.Status == wire.IMEIClean {
			out = append(out, ti)
		}
	}
	return out
}

// Enroll enrolls bench name and returns its token.
func (h *Hub) Enroll(t testing.TB, name string, scopes ...string) string {
	t.Helper()
	resp, err := h.Hub.Enroll(context.Background(), h.Code(t, name, scopes...), name)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Token
}
