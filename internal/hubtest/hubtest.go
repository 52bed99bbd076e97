// Package hubtest runs a real hub for tests: a SQLite file in the test's
// temporary directory behind a real HTTP server on loopback.
package hubtest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
)

// Hub is a running hub.
type Hub struct {
	*hub.Hub
	Server *hub.Server
	HTTP   *httptest.Server
	URL    string
	Path   string // the database file
	Seeded demo.SeedSummary
}

// Config says what to start.
type Config struct {
	TradeIns  int    // demo trade-ins to seed (the catalog and operators are always seeded)
	Seed      uint64 // demo data seed
	Hub       hub.Config
	Server    []hub.ServerOption
	Unlimited bool // no rate limit: load tests
}

// New starts a seeded hub; it stops when the test ends.
func New(t testing.TB, c Config) *Hub {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
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
