// Package stripemock runs stripe-mock, Stripe's own mock of its API built
// from its OpenAPI spec, as a real process for a test: what the payments
// code sends is checked against the spec Stripe publishes, not against a
// fake written here.
package stripemock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Binary is the program's name, as `go install` names it.
const Binary = "stripe-mock"

// startTimeout bounds the start: stripe-mock loads its spec in well under a
// second, so a start that takes this long is a hung one.
const startTimeout = 20 * time.Second

// listeningHTTP is the line stripe-mock prints once its HTTP listener is
// bound, followed by the address.
const listeningHTTP = "Listening for HTTP at address: "

// Start runs stripe-mock on loopback ports the kernel picks, so tests in
// parallel packages never collide, and stops it when the test ends. It
// returns the API's base URL, e.g. http://127.0.0.1:41234.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := Find()
	if err != nil {
		t.Fatalf("stripe-mock is not installed: run make deps (%v)", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	p, err := start(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	return "http://" + p.addr
}

// Find looks for stripe-mock on PATH, then where `go install` puts it.
func Find() (string, error) {
	return find(goBinDirs())
}

func find(dirs []string) (string, error) {
	if p, err := exec.LookPath(Binary); err == nil {
		return p, nil
	}
	for _, d := range dirs {
		p := filepath.Join(d, Binary)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is neither on PATH nor in %s", Binary, strings.Join(dirs, ", "))
}

// goBinDirs are where `go install` puts programs: GOBIN, else each GOPATH
// entry's bin. `go env` is asked first because it also reads the settings
// `go env -w` wrote, which the environment does not show.
func goBinDirs() []string {
	gobin, gopath := os.Getenv("GOBIN"), cmpOr(os.Getenv("GOPATH"), build.Default.GOPATH)
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		if lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n"); len(lines) == 2 {
			gobin, gopath = lines[0], lines[1]
		}
	}
	var dirs []string
	if gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, p := range filepath.SplitList(gopath) {
		if p != "" {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	return dirs
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// process is a running stripe-mock.
type process struct {
	cmd    *exec.Cmd
	addr   string
	output *output
	read   chan struct{} // closed when its output has been read to the end
}

func start(ctx context.Context, bin string) (*process, error) {
	// Both listeners on loopback: left to itself stripe-mock also serves
	// HTTPS on every interface at the fixed port 12112.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	setProcAttr(cmd)
	out := &output{}
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("stripe-mock: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, output: out, read: make(chan struct{})}
	addrs := make(chan string, 1)
	go p.scan(stdout, addrs)

	select {
	case p.addr = <-addrs:
	case <-p.read:
		err := p.wait()
		if err == nil {
			err = errors.New("exit status 0")
		}
		return nil, fmt.Errorf("stripe-mock exited before listening: %w\n%s", err, out)
	case <-ctx.Done():
		p.stop()
		return nil, fmt.Errorf("stripe-mock did not listen: %w\n%s", ctx.Err(), out)
	}
	if err := waitAccepting(ctx, p.addr); err != nil {
		p.stop()
		return nil, fmt.Errorf("stripe-mock at %s: %w\n%s", p.addr, err, out)
	}
	return p, nil
}

// scan keeps stripe-mock's output for a failure's message and hands on the
// HTTP address once it is printed.
func (p *process) scan(stdout io.Reader, addrs chan<- string) {
	defer close(p.read)
	s := bufio.NewScanner(stdout)
	for s.Scan() {
		line := s.Text()
		_, _ = fmt.Fprintln(p.output, line)
		if addr, ok := strings.CutPrefix(line, listeningHTTP); ok {
			select {
			case addrs <- strings.TrimSpace(addr):
			default:
			}
		}
	}
	// Drain what a too-long line left, so stripe-mock never blocks writing.
	_, _ = io.Copy(io.Discard, stdout)
}

func (p *process) stop() {
	// Killed, not asked: stripe-mock keeps no state worth a clean shutdown.
	_ = p.cmd.Process.Kill()
	_ = p.wait()
}

// wait reaps the process once its output is read: exec's Wait closes the
// pipe, so it must come after the last read.
func (p *process) wait() error {
	<-p.read
	return p.cmd.Wait()
}

// waitAccepting dials addr until it answers. stripe-mock prints the address
// once it is bound, so this normally succeeds at once; it guards against a
// listener that is printed but not yet served.
func waitAccepting(ctx context.Context, addr string) error {
	var d net.Dialer
	backoff := 5 * time.Millisecond
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("not accepting connections: %w", err), ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// output is stripe-mock's output so far, written by the scanning goroutine
// and exec's stderr copier, read for an error message.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

// maxOutput caps what is kept: a failure's message needs the first lines.
const maxOutput = 16 << 10

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if room := maxOutput - o.buf.Len(); room > 0 {
		o.buf.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
