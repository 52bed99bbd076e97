// Package mailpittest runs a real mailpit (github.com/axllent/mailpit) for
// tests: an SMTP server on loopback that keeps every message it receives,
// read back through mailpit's REST API. Each Start is its own process with
// its own database in the test's temporary directory, stopped when the
// test ends.
package mailpittest

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long mailpit may take to listen; it starts in
// about 100 ms and the bound only guards against hanging.
const startTimeout = 15 * time.Second

// Options says how to start mailpit; the zero value is a plain SMTP server
// on 127.0.0.1 that takes mail from anyone without authentication.
type Options struct {
	// Host is the loopback address mailpit listens on, 127.0.0.1 when
	// empty. Another one, such as 127.0.0.2, is a server that a client does
	// not take for localhost.
	Host string
	// STARTTLS makes mailpit offer STARTTLS with a certificate made for
	// Host; Server.RootCAs trusts it.
	STARTTLS bool
	// RequireSTARTTLS makes mailpit refuse mail sent before STARTTLS.
	RequireSTARTTLS bool
	// AuthAcceptAny makes mailpit offer AUTH and accept any credentials;
	// without STARTTLS it offers AUTH over plain text too.
	AuthAcceptAny bool
}

// Server is a running mailpit.
type Server struct {
	SMTPAddr string // host:port of its SMTP server
	// APIURL is the root of its web UI and REST API, e.g.
	// http://127.0.0.1:41234; the API is under /api/v1/.
	APIURL  string
	RootCAs *x509.CertPool // trusts the STARTTLS certificate; nil without STARTTLS

	http *http.Client
}

// Start runs mailpit as opts says (at most one Options) on free ports. It
// fails the test when mailpit is not installed or does not start.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		t.Fatalf("mailpittest.Start: %d Options, want at most one", len(opts))
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if ip := net.ParseIP(o.Host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("mailpittest.Start: host %q is not a loopback address", o.Host)
	}
	bin := binary(t)
	dir := t.TempDir()
	s := &Server{http: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(s.http.CloseIdleConnections)
	var tlsArgs []string
	if o.STARTTLS {
		pool, certFile, keyFile, err := selfSigned(dir, o.Host)
		if err != nil {
			t.Fatalf("mailpittest.Start: certificate: %v", err)
		}
		s.RootCAs = pool
		tlsArgs = []string{"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile}
		if o.RequireSTARTTLS {
			tlsArgs = append(tlsArgs, "--smtp-require-starttls")
		}
	} else if o.RequireSTARTTLS {
		t.Fatal("mailpittest.Start: RequireSTARTTLS needs STARTTLS")
	}
	if o.AuthAcceptAny {
		tlsArgs = append(tlsArgs, "--smtp-auth-accept-any")
		if !o.STARTTLS {
			tlsArgs = append(tlsArgs, "--smtp-auth-allow-insecure")
		}
	}

	// A free port found by listening and closing may be taken again before
	// mailpit binds it; then mailpit exits and another pair is tried.
	var lastErr error
	for attempt := range 3 {
		ports, err := freePorts(o.Host, 2)
		if err != nil {
			t.Fatalf("mailpittest.Start: %v", err)
		}
		s.SMTPAddr = net.JoinHostPort(o.Host, strconv.Itoa(ports[0]))
		s.APIURL = "http://" + net.JoinHostPort(o.Host, strconv.Itoa(ports[1]))
		args := append([]string{
			"--smtp", s.SMTPAddr,
			"--listen", strings.TrimPrefix(s.APIURL, "http://"),
			"--database", filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", attempt)),
			"--disable-version-check", // no network here, and none wanted
			"--smtp-disable-rdns",     // a reverse lookup per connection only slows tests
		}, tlsArgs...)
		p, err := start(t, bin, args)
		if err != nil {
			t.Fatalf("mailpittest.Start: %v", err)
		}
		if lastErr = s.waitReady(t.Context(), p); lastErr == nil {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("mailpit log:\n%s", p.log.String())
				}
			})
			return s
		}
		p.stop()
		if !strings.Contains(p.log.String(), "address already in use") {
			break
		}
	}
	t.Fatalf("mailpittest.Start: %v", lastErr)
	return nil
}

// binary finds mailpit on PATH or where go install puts it.
func binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	// go env prints one line per variable, an empty one for an unset GOBIN.
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err == nil {
		gobin, gopath, _ := strings.Cut(strings.TrimRight(string(out), "\n"), "\n")
		dirs := []string{gobin}
		for _, p := range filepath.SplitList(gopath) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
		for _, d := range dirs {
			if p := filepath.Join(d, "mailpit"); d != "" && isExecutable(p) {
				return p
			}
		}
	}
	t.Fatal("mailpit is not installed: run make deps (it is neither on PATH nor in $(go env GOPATH)/bin)")
	return ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePorts returns n distinct ports free on host at the time of asking.
func freePorts(host string, n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("find a free port on %s: %w", host, err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// process is a started mailpit.
type process struct {
	cmd    *exec.Cmd
	log    *logBuffer
	exited chan struct{} // closed once it has exited
}

func start(t testing.TB, bin string, args []string) (*process, error) {
	p := &process{log: &logBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = dieWithParent()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.stop)
	return p, nil
}

// stop ends mailpit with SIGTERM, as it would be in production, and kills
// it if it does not exit in time.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// waitReady polls until both the API and the SMTP port answer, the
// process exits, or startTimeout passes.
func (s *Server) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	err := poll(ctx, func() (bool, error) {
		select {
		case <-p.exited:
			return false, fmt.Errorf("mailpit exited: %s", p.cmd.ProcessState)
		default:
		}
		return s.ready(ctx), nil
	})
	if err != nil {
		return fmt.Errorf("mailpit on %s and %s did not start: %w\n%s", s.SMTPAddr, s.APIURL, err, p.log.String())
	}
	return nil
}

func (s *Server) ready(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.SMTPAddr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

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

// logBuffer keeps the first 256 KiB mailpit logs, for a failure message.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 256<<10 - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
