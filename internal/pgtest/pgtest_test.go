package pgtest_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/intakebench/intakebench/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func dbName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func TestDatabasesAreSeparate(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t)
	began := time.Now()
	urlA := s.NewDatabase(t)
	t.Logf("NewDatabase took %v", time.Since(began).Round(time.Millisecond))
	urlB := s.NewDatabase(t)
	if urlA == urlB {
		t.Fatalf("both databases are %s", urlA)
	}
	ctx := t.Context()
	for _, c := range []struct {
		url  string
		rows []string
	}{{urlA, []string{"apple", "avocado"}}, {urlB, []string{"banana"}}} {
		db := open(t, c.url)
		var current string
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&current); err != nil {
			t.Fatal(err)
		}
		if current != dbName(t, c.url) {
			t.Errorf("connected to %s through %s", current, c.url)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE fruit (id serial PRIMARY KEY, name text NOT NULL)"); err != nil {
			t.Fatalf("%s: %v", current, err)
		}
		for _, r := range c.rows {
			if _, err := db.ExecContext(ctx, "INSERT INTO fruit (name) VALUES ($1)", r); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		url  string
		want string
	}{{urlA, "apple,avocado"}, {urlB, "banana"}} {
		var got string
		err := open(t, c.url).QueryRowContext(ctx, "SELECT string_agg(name, ',' ORDER BY id) FROM fruit").Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s holds %q, want %q", dbName(t, c.url), got, c.want)
		}
	}
}

func TestDatabaseIsDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	s := pgtest.Start(t)
	var (
		dropped string
		kept    *sql.Conn // a session left open past the drop
	)
	t.Run("uses", func(sub *testing.T) {
		dropped = s.NewDatabase(sub)
		db := open(t, dropped) // closed by the outer test, after the drop
		if _, err := db.ExecContext(sub.Context(), "CREATE TABLE t (x int)"); err != nil {
			sub.Fatal(err)
		}
		var err error
		if kept, err = db.Conn(t.Context()); err != nil {
			sub.Fatal(err)
		}
		t.Cleanup(func() { _ = kept.Close() })
	})
	var n int
	err := open(t, s.URL("postgres")).QueryRowContext(t.Context(),
		"SELECT count(*) FROM pg_database WHERE datname = $1", dbName(t, dropped)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s is still there after its test", dbName(t, dropped))
	}
	if err := kept.PingContext(t.Context()); err == nil {
		t.Error("a session to the dropped database still answers")
	}
	err = open(t, dropped).PingContext(t.Context())
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "3D000" {
		t.Errorf("connecting to the dropped database: %v, want invalid_catalog_name (3D000)", err)
	}
}

func TestTakesTwoHundredConnections(t *testing.T) {
	t.Parallel()
	const n = 200
	db := open(t, pgtest.Start(t).NewDatabase(t))
	db.SetMaxOpenConns(n)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		pids = map[int]bool{}
		errs []error
	)
	conns := make([]*sql.Conn, n)
	for i := range n {
		wg.Go(func() {
			var pid int
			c, err := db.Conn(ctx)
			if err == nil {
				conns[i] = c
				err = c.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			pids[pid] = true
		})
	}
	wg.Wait()
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	if len(errs) > 0 {
		t.Fatalf("%d of %d connections failed, first: %v", len(errs), n, errs[0])
	}
	if len(pids) != n {
		t.Errorf("%d connections had %d backends", n, len(pids))
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	got := pgtest.Start(t).URL("some_db")
	if !regexp.MustCompile(`^postgres://postgres@127\.0\.0\.1:[0-9]+/some_db\?sslmode=disable$`).MatchString(got) {
		t.Errorf("URL(some_db) = %s", got)
	}
}
