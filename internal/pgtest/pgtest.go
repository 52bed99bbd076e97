// Package pgtest gives tests a real PostgreSQL server, Debian's own build
// (apt-get install postgresql), started from scratch for the test binary:
// initdb into a temporary directory, then the postmaster on a free loopback
// port with trust authentication. The machine's own clusters (Debian's
// "main" on port 5432, /var/lib/postgresql, /var/run/postgresql) are never
// used nor touched.
//
// One server serves all the tests of a package: the first Start starts it
// and Main stops it once the tests have run, so a package that uses pgtest
// must have
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Each test then takes a fresh empty database of its own:
//
//	url := pgtest.Start(t).NewDatabase(t) // dropped when the test ends
//	db, err := sql.Open("pgx", url)
//
// The server is made for speed, not durability: fsync, synchronous_commit
// and full_page_writes are off. It allows 250 connections.
//
// When the server runs as root, as CI does, initdb and the postmaster run
// as the unprivileged "postgres" user that Debian's package creates, since
// PostgreSQL refuses to run as root. On Linux the postmaster is killed with
// the test binary, so a binary that panics or is killed leaves no server
// holding a port; the next Start removes the directories such binaries
// left behind.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Superuser is the role every URL connects as; trust authentication lets
// it in without a password.
const Superuser = "postgres"

// startTimeout bounds initdb and the postmaster's start: together they take
// a second or two, so one that takes this long is a hung one.
const startTimeout = 60 * time.Second

// dbTimeout bounds creating or dropping one database (about 100 ms).
const dbTimeout = 30 * time.Second

// shared is the test binary's one server, started by the first Start and
// stopped by Main. It is this package's only mutable state, and it exists
// because a server per test would cost an initdb and a start each.
var shared struct {
	mu      sync.Mutex
	inMain  bool // Main is running the tests
	done    bool // Main has stopped the server: Start may not start another
	started bool // the first Start has tried; srv or err is its outcome
	srv     *Server
	err     error
}

// Server is the running PostgreSQL server shared by a test binary's tests.
type Server struct {
	port  int
	admin *sql.DB // to the "postgres" database, for CREATE and DROP DATABASE
	proc  *process
	seq   atomic.Int64 // numbers the databases NewDatabase makes
}

// Main runs the package's tests and then stops the server if a test
// started one, removing its files, and exits with the tests' status. Call
// it from TestMain, and do nothing after it: it does not return.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	shared.inMain, shared.done = false, true
	srv := shared.srv
	shared.mu.Unlock()
	if srv != nil {
		if err := srv.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// Start returns the test binary's server, starting it on the first call.
// It fails the test when PostgreSQL is not installed, when the package's
// TestMain does not call Main, or when the server does not start; a server
// that failed to start fails every test that asks for it.
func Start(t testing.TB) *Server {
	t.Helper()
	srv, err := startShared(t)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func startShared(t testing.TB) (*Server, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	switch {
	case shared.done:
		return nil, fmt.Errorf("pgtest: Start after Main stopped the server")
	case !shared.inMain:
		return nil, fmt.Errorf("pgtest: the package's TestMain must call pgtest.Main(m), which stops the server after the tests")
	case !shared.started:
		shared.started = true
		ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
		defer cancel()
		began := time.Now()
		shared.srv, shared.err = start(ctx)
		if shared.err == nil {
			t.Logf("pgtest: PostgreSQL started on 127.0.0.1:%d in %v", shared.srv.port, time.Since(began).Round(time.Millisecond))
		}
	}
	return shared.srv, shared.err
}

// start finds the binaries, runs initdb and starts the postmaster.
func start(ctx context.Context) (*Server, error) {
	bin, err := findBinDir(binDirCandidates())
	if err != nil {
		return nil, err
	}
	owner, err := serverAccount()
	if err != nil {
		return nil, err
	}
	root := os.TempDir()
	sweep(root, time.Now())
	p, err := startProcess(ctx, bin, root, owner, freePort)
	if err != nil {
		return nil, err
	}
	s := &Server{port: p.port, proc: p}
	admin, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	admin.SetMaxOpenConns(4)
	s.admin = admin
	if err := s.waitReady(ctx); err != nil {
		_ = s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls until the server takes a connection, its postmaster
// exits, or ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	var last error
	err := poll(ctx, func() (bool, error) {
		select {
		case <-s.proc.exited:
			return false, fmt.Errorf("postgres exited: %s", s.proc.cmd.ProcessState)
		default:
		}
		last = s.admin.PingContext(ctx)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("pgtest: PostgreSQL on 127.0.0.1:%d did not start (last try: %v): %w\n%s", s.port, last, err, s.proc.logTail())
	}
	return nil
}

// URL is the address of the server's database db as the superuser, e.g.
// postgres://postgres@127.0.0.1:41234/db?sslmode=disable.
func (s *Server) URL(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(Superuser),
		Host:     "127.0.0.1:" + strconv.Itoa(s.port),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// NewDatabase creates a fresh empty database for the test, named after it,
// and returns its URL. The database is dropped when the test ends, after
// the cleanups the test registered later (such as closing its pool); any
// connection still open to it then is ended.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := databaseName(t.Name(), s.seq.Add(1))
	ctx, cancel := context.WithTimeout(t.Context(), dbTimeout)
	defer cancel()
	// template0 rather than template1: nothing ever connects to it, so no
	// session or autovacuum worker can hold up the copy.
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+quote(name)+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// t.Context is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		defer cancel()
		if err := s.dropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s.URL(name)
}

func (s *Server) dropDatabase(ctx context.Context, name string) error {
	if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// stop closes the server's pool, shuts the postmaster down and removes its
// files.
func (s *Server) stop() error {
	if s.admin != nil {
		_ = s.admin.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	return s.proc.stop(ctx)
}

// maxNameLen is the longest database name PostgreSQL keeps (NAMEDATALEN-1).
const maxNameLen = 63

// databaseName makes a database name from a test's name, unique in the
// process thanks to seq: lower-case letters, digits and underscores only,
// so it needs no quoting in psql or a log.
func databaseName(test string, seq int64) string {
	suffix := "_" + strconv.FormatInt(seq, 10)
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= maxNameLen-len(suffix) {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + suffix
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// poll calls try with a short, growing pause between calls until it
// reports done or an error, or ctx ends.
func poll(ctx context.Context, try func() (done bool, err error)) error {
	pause := 5 * time.Millisecond
	for {
		done, err := try()
		if err != nil || done {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}
