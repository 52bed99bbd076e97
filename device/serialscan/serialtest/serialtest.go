// Package serialtest stands in for serial scanners in tests: pseudo-terminal
// pairs joined by socat, read through go.bug.st/serial like real ports.
package serialtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitFor bounds how long socat may take to start or stop; it only guards
// against hanging.
const waitFor = 10 * time.Second

// Pair is a pseudo-terminal pair: a scanner stands on end A, the test types
// on end B. Stopping socat is unplugging the scanner.
type Pair struct {
	A, B string
	t    testing.TB
	cmd  *exec.Cmd
	w    *os.File
}

// New plugs a pair whose ends are links named name-a and name-b in dir. It
// skips the test when socat is not installed.
func New(t testing.TB, dir, name string) *Pair {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed (make deps installs it): serial tests need real pseudo-terminal pairs")
	}
	p := &Pair{t: t, A: filepath.Join(dir, name+"-a"), B: filepath.Join(dir, name+"-b")}
	p.Plug()
	t.Cleanup(p.Unplug)
	return p
}

// Plug starts socat and waits until it relays. Waiting for the links is
// not enough: socat creates them before it makes the terminals raw, and a
// line written in between has its LF turned into CR LF.
func (p *Pair) Plug() {
	p.t.Helper()
	require.Nil(p.t, p.cmd, "already plugged")
	ready := &lineWatch{want: []byte("starting data transfer loop"), seen: make(chan struct{})}
	p.cmd = exec.Command("socat", "-d", "-d", "pty,raw,echo=0,link="+p.A, "pty,raw,echo=0,link="+p.B)
	p.cmd.Stderr = ready
	p.cmd.SysProcAttr = dieWithParent()
	require.NoError(p.t, p.cmd.Start())
	select {
	case <-ready.seen:
	case <-time.After(waitFor):
		p.t.Fatalf("socat did not join %s and %s within %v: %s", p.A, p.B, waitFor, ready.text())
	}
	w, err := os.OpenFile(p.B, os.O_WRONLY|syscall.O_NOCTTY, 0)
	require.NoError(p.t, err)
	p.w = w
}

// Unplug stops socat the way a yanked cable ends a port: the reader's next
// read fails. SIGTERM lets socat remove its links, as udev removes a node.
// Now and then socat ignores it under load and the test would wait
// forever: then it is killed and its links removed here.
func (p *Pair) Unplug() {
	if p.cmd == nil {
		return
	}
	p.w.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
		_ = p.cmd.Process.Kill()
		<-exited
		os.Remove(p.A)
		os.Remove(p.B)
	}
	p.cmd, p.w = nil, nil
}

// Write types s on end B, as the scanner would send it.
func (p *Pair) Write(s string) {
	p.t.Helper()
	_, err := p.w.WriteString(s)
	require.NoError(p.t, err)
}

// lineWatch is socat's stderr: it tells when socat has logged want.
type lineWatch struct {
	want []byte
	seen chan struct{}
	mu   sync.Mutex
	buf  []byte // what socat logged until want, for a failure message
	done bool
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done && len(w.buf) < 64<<10 {
		w.buf = append(w.buf, p...)
		if bytes.Contains(w.buf, w.want) {
			w.done = true
			close(w.seen)
		}
	}
	return len(p), nil
}

func (w *lineWatch) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
