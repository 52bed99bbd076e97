package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errNotInstalled is the failure when no PostgreSQL server is found.
var errNotInstalled = errors.New("PostgreSQL is not installed: run make deps")

// stopTimeout bounds a fast shutdown before the postmaster is killed.
const stopTimeout = 15 * time.Second

// startAttempts is how many ports start tries: another process can take the
// free port found between the asking and the postmaster's bind.
const startAttempts = 3

// maxSocketPath is the longest Unix socket path Linux takes (sun_path less
// its terminating NUL).
const maxSocketPath = 107

// binDirCandidates lists where the server's programs may be, best first:
// Debian's /usr/lib/postgresql/VERSION/bin, newest version first, then
// what pg_config says, then the directory of an initdb on PATH.
func binDirCandidates() []string {
	var dirs []string
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(matches, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a)))
	})
	dirs = append(dirs, matches...)
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	return dirs
}

// compareVersions orders PostgreSQL major versions such as "9.6" and "15"
// numerically, part by part.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

// findBinDir returns the first of dirs that has both initdb and postgres.
func findBinDir(dirs []string) (string, error) {
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if len(dirs) == 0 {
		return "", fmt.Errorf("%w (no /usr/lib/postgresql/*/bin, pg_config or initdb found)", errNotInstalled)
	}
	return "", fmt.Errorf("%w (no initdb and postgres in %s)", errNotInstalled, strings.Join(dirs, ", "))
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// account is the user the server's programs run as when it is not the
// test binary's own.
type account struct{ uid, gid uint32 }

// serverAccount is nil when the test binary may run PostgreSQL itself, and
// the "postgres" user when it runs as root, which PostgreSQL refuses.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, PostgreSQL must run as the postgres user, which Debian's package creates: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: postgres user's uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgtest: postgres user's gid %q: %w", u.Gid, err)
	}
	return &account{uid: uint32(uid), gid: uint32(gid)}, nil
}

// process is a running postmaster and the directory that holds its files.
type process struct {
	dir     string // the run's own directory, removed at stop
	logPath string
	port    int
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the postmaster has exited
}

// startProcess makes the run's directory under root, runs initdb into it
// and starts the postmaster on a port from pickPort (freePort but in a
// test), retrying on another port when the one found was taken meanwhile.
// It does not wait for the server to take connections.
func startProcess(ctx context.Context, bin, root string, owner *account, pickPort func() (int, error)) (*process, error) {
	dir, err := makeRunDir(root, owner)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	p := &process{dir: dir, logPath: filepath.Join(dir, "postgres.log")}
	if err := initdb(ctx, bin, dir, data, owner); err != nil {
		p.removeDir()
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err := p.startPostmaster(ctx, bin, data, owner, pickPort)
		if err == nil {
			return p, nil
		}
		if attempt == startAttempts || !errors.Is(err, errPortTaken) {
			p.removeDir()
			return nil, err
		}
	}
}

// makeRunDir makes root/pgtest-*, owned by the server's user, and writes
// the test binary's pid into it for sweep.
func makeRunDir(root string, owner *account) (string, error) {
	dir, err := os.MkdirTemp(root, dirPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if owner != nil {
		if err := os.Chown(dir, int(owner.uid), int(owner.gid)); err != nil {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("pgtest: %w", err)
		}
	}
	return dir, nil
}

// initdb makes the cluster: superuser postgres, trust authentication,
// UTF-8 with the C.UTF-8 locale (code-point order, the same on every
// machine), no fsync of the files it writes.
func initdb(ctx context.Context, bin, dir, data string, owner *account) error {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"--pgdata", data, "--username", Superuser, "--auth", "trust",
		"--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync", "--no-instructions")
	cmd.Dir, cmd.Env = dir, serverEnv(dir)
	attr, err := procAttr(owner)
	if err != nil {
		return err
	}
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	// Only loopback TCP and the socket in the run's own directory, both
	// with trust: the test is the only client.
	hba := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if owner != nil {
		if err := os.Chown(filepath.Join(data, "pg_hba.conf"), int(owner.uid), int(owner.gid)); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	return nil
}

// errPortTaken is a postmaster that could not listen on its port.
var errPortTaken = errors.New("port taken")

// startPostmaster starts the postmaster on a free port and returns once it
// runs; a postmaster that exits at once because its port was taken gives
// errPortTaken.
func (p *process) startPostmaster(ctx context.Context, bin, data string, owner *account, pickPort func() (int, error)) error {
	port, err := pickPort()
	if err != nil {
		return err
	}
	sockets := p.dir
	if len(filepath.Join(sockets, ".s.PGSQL."+strconv.Itoa(port))) > maxSocketPath {
		sockets = "" // TCP only: a socket path this long cannot be bound
	}
	settings := []string{
		"listen_addresses=127.0.0.1",
		"port=" + strconv.Itoa(port),
		"unix_socket_directories=" + sockets,
		"max_connections=250",
		// Tests only: a crash may lose or corrupt data, which a test
		// database never outlives.
		"fsync=off",
		"synchronous_commit=off",
		"full_page_writes=off",
		"logging_collector=off",
	}
	args := []string{"-D", data}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	log, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer log.Close() // the postmaster has its own copy
	attr, err := procAttr(owner)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir, cmd.Env = p.dir, serverEnv(p.dir)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = attr
	exited := make(chan struct{})
	started := make(chan error, 1)
	// The parent-death signal is sent when the thread that started the
	// process ends, not the process: this goroutine keeps its thread, and
	// the thread alive, for as long as the postmaster runs.
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	p.port, p.cmd, p.exited = port, cmd, exited
	// A taken port makes the postmaster exit within milliseconds; wait for
	// it to either pass the bind or exit, watching the log it writes.
	err = poll(ctx, func() (bool, error) {
		select {
		case <-exited:
			if strings.Contains(p.logTail(), "could not bind") {
				return false, fmt.Errorf("pgtest: postgres on port %d: %w", port, errPortTaken)
			}
			return false, fmt.Errorf("pgtest: postgres exited: %s\n%s", cmd.ProcessState, p.logTail())
		default:
		}
		return p.listening(), nil
	})
	if err != nil && !errors.Is(err, errPortTaken) {
		p.kill()
	}
	return err
}

// listening reports whether the postmaster has written its port's line to
// postmaster.pid, which it does once it has bound its sockets.
func (p *process) listening() bool {
	b, err := os.ReadFile(filepath.Join(p.dir, "data", "postmaster.pid"))
	if err != nil {
		return false
	}
	// Line 6 is the first listen address, written after the bind.
	lines := strings.Split(string(b), "\n")
	return len(lines) > 5 && strings.TrimSpace(lines[5]) != ""
}

// freePort returns a TCP port free on 127.0.0.1 at the time of asking.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// serverEnv is the test binary's environment without what would steer the
// server's programs elsewhere (PG* variables) or translate the messages
// the log is read for.
func serverEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "HOME="+home)
}

// stop shuts the postmaster down (fast shutdown: sessions are ended), kills
// it if it has not exited by ctx's end, and removes the run's directory.
func (p *process) stop(ctx context.Context) error {
	var err error
	if p.cmd != nil {
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.exited:
		case <-ctx.Done():
			err = fmt.Errorf("pgtest: postgres did not shut down, killed it: %w", ctx.Err())
			p.kill()
		}
	}
	p.removeDir()
	return err
}

func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func (p *process) removeDir() { _ = os.RemoveAll(p.dir) }

// logTail is the end of the server's log, for a failure message.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	const keep = 8 << 10
	if len(b) > keep {
		b = b[len(b)-keep:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}
