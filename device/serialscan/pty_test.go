package serialscan_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device"
)

// waitFor bounds how long a test waits for something that should happen
// within milliseconds; it only guards against hanging, it asserts no speed.
const waitFor = 10 * time.Second

// ptyPair is a pseudo-terminal pair joined by socat: a scanner stands on
// end A (read through go.bug.st/serial like a real port), the test types
// on end B. Stopping socat is unplugging the scanner.
type ptyPair struct {
	t    testing.TB
	A, B string
	cmd  *exec.Cmd
	w    *os.File
}

func newPTYPair(t testing.TB, dir, name string) *ptyPair {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed (apt-get install socat): the serial tests need real pseudo-terminal pairs")
	}
	p := &ptyPair{t: t, A: filepath.Join(dir, name+"-a"), B: filepath.Join(dir, name+"-b")}
	p.plug()
	t.Cleanup(p.unplug)
	return p
}

// plug starts socat and waits for both links.
func (p *ptyPair) plug() {
	p.t.Helper()
	require.Nil(p.t, p.cmd, "already plugged")
	p.cmd = exec.Command("socat", "pty,raw,echo=0,link="+p.A, "pty,raw,echo=0,link="+p.B)
	p.cmd.SysProcAttr = socatAttr()
	require.NoError(p.t, p.cmd.Start())
	deadline := time.Now().Add(waitFor)
	for {
		_, errA := os.Stat(p.A)
		_, errB := os.Stat(p.B)
		if errA == nil && errB == nil {
			break
		}
		require.True(p.t, time.Now().Before(deadline), "socat did not create %s and %s", p.A, p.B)
		time.Sleep(5 * time.Millisecond)
	}
	w, err := os.OpenFile(p.B, os.O_WRONLY|syscall.O_NOCTTY, 0)
	require.NoError(p.t, err)
	p.w = w
}

// unplug stops socat the way a yanked cable ends a port: the reader's next
// read fails. SIGTERM lets socat remove its links, as udev removes a node.
// Now and then socat ignores it under load and the test would wait
// forever: then it is killed and its links removed here.
func (p *ptyPair) unplug() {
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

func (p *ptyPair) write(s string) {
	p.t.Helper()
	_, err := p.w.WriteString(s)
	require.NoError(p.t, err)
}

// events collects a source's events for assertions.
type events struct {
	t  testing.TB
	ch chan device.Event
}

func (e events) next() device.Event {
	e.t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(waitFor):
		e.t.Fatalf("no event within %v", waitFor)
		return nil
	}
}

func (e events) scan() device.Scan {
	e.t.Helper()
	ev := e.next()
	s, ok := ev.(device.Scan)
	require.Truef(e.t, ok, "want a Scan, got %#v", ev)
	return s
}

func (e events) rejected() device.Rejected {
	e.t.Helper()
	ev := e.next()
	r, ok := ev.(device.Rejected)
	require.Truef(e.t, ok, "want a Rejected, got %#v", ev)
	return r
}

func (e events) status(want device.State) device.Status {
	e.t.Helper()
	ev := e.next()
	s, ok := ev.(device.Status)
	require.Truef(e.t, ok, "want a Status %v, got %#v", want, ev)
	require.Equalf(e.t, want, s.State, "status %#v", s)
	return s
}

// run starts src in the background, stopped at the end of the test.
func run(t testing.TB, srcs ...device.Source) events {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan device.Event, 64)
	done := make(chan error, 1)
	go func() { done <- device.RunAll(ctx, ch, srcs...) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(waitFor):
			t.Errorf("sources did not stop within %v of cancellation", waitFor)
		}
	})
	return events{t: t, ch: ch}
}
