package benchsync_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// faultProxy is a TCP proxy in front of the hub that misbehaves as a bad
// network does. Each connection draws its faults when it is accepted and
// keeps them: nothing is reconfigured on a live connection, so the proxy
// itself has no races to lose. (Toxiproxy, which reconfigures live links,
// deadlocked and panicked under this test's churn.)
type faultProxy struct {
	ln       net.Listener
	upstream string
	faulty   atomic.Bool

	mu    sync.Mutex
	rng   *rand.Rand
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup

	// sureCuts is how many pushes, while faulty, lose their answer after
	// the hub committed whatever the dice say: with keep-alive a loaded
	// round opens so few connections that the dice alone may cut none,
	// and the round would have no duplicate to prove.
	sureCuts atomic.Int32
	// lostPushes counts the pushes whose answer a sure cut lost, after
	// the hub had the whole request.
	lostPushes atomic.Int32
}

// connFaults are one connection's misdeeds.
type connFaults struct {
	// stall forwards nothing and closes the connection after this long:
	// the client times out or sees the connection drop.
	stall time.Duration
	// resetUp resets the connection when the request arrives: the hub
	// never sees it.
	resetUp bool
	// latency slows every chunk of the answer by up to this much.
	latency time.Duration
	// cutAnswerAt closes the connection after this many bytes of answer:
	// the hub committed, the bench never hears it.
	cutAnswerAt int
	// resetAnswerAfter resets the connection this long after the answer
	// started.
	resetAnswerAfter time.Duration
}

func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	seed := uint64(time.Now().UnixNano())
	t.Logf("fault proxy seed %d", seed)
	p := &faultProxy{ln: ln, upstream: upstream, rng: rand.New(rand.NewPCG(seed, 7)), conns: map[net.Conn]struct{}{}}
	p.sureCuts.Store(3)
	p.wg.Go(p.serve)
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

// misbehave turns the faults on or off for new connections.
func (p *faultProxy) misbehave(on bool) { p.faulty.Store(on) }

func (p *faultProxy) draw() connFaults {
	var f connFaults
	if !p.faulty.Load() {
		return f
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	chance := func(x float64) bool { return p.rng.Float64() < x }
	switch {
	case chance(0.05):
		f.stall = 300 * time.Millisecond
	case chance(0.15):
		f.resetUp = true
	}
	if chance(0.5) {
		f.latency = 70 * time.Millisecond
	}
	// A bench keeps its connection alive, so a round of thousands of
	// events opens a dozen or two: at 40% a connection, answers are cut
	// after the hub committed (and sureCuts makes sure of a few).
	if chance(0.4) {
		f.cutAnswerAt = 90
	}
	if chance(0.1) {
		f.resetAnswerAfter = 15 * time.Millisecond
	}
	return f
}

func (p *faultProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.handle(c, p.draw()) })
	}
}

// track registers a connection for close; false when the proxy is closing.
func (p *faultProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *faultProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *faultProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *faultProxy) handle(client net.Conn, f connFaults) {
	defer client.Close()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	if f.stall > 0 {
		client.SetReadDeadline(time.Now().Add(f.stall))
		io.Copy(io.Discard, client)
		return
	}
	hub, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer hub.Close()
	if !p.track(hub) {
		return
	}
	defer p.untrack(hub)

	done := make(chan struct{}, 2)
	// sureCut: this connection's push loses its answer.
	var sureCut atomic.Bool
	go func() { // request: bench → hub
		defer func() { done <- struct{}{} }()
		if f.resetUp {
			buf := make([]byte, 1)
			if _, err := client.Read(buf); err == nil {
				reset(client)
			}
			return
		}
		// The first request's line says whether it is a push; it is
		// read before anything reaches the hub, so the answer knows.
		first := make([]byte, 32<<10)
		n, err := client.Read(first)
		if n > 0 && p.faulty.Load() && bytes.HasPrefix(first[:n], []byte("POST /v1/events ")) && p.sureCuts.Add(-1) >= 0 {
			sureCut.Store(true)
		}
		if n > 0 {
			if _, werr := hub.Write(first[:n]); werr != nil {
				return
			}
		}
		if err == nil {
			io.Copy(hub, client)
		}
	}()
	go func() { // answer: hub → bench
		defer func() { done <- struct{}{} }()
		p.answer(client, hub, f, &sureCut)
	}()
	<-done // either direction ending ends the connection
}

func (p *faultProxy) answer(client, hub net.Conn, f connFaults, sureCut *atomic.Bool) {
	buf := make([]byte, 32<<10)
	sent := 0
	var resetTimer *time.Timer
	defer func() {
		if resetTimer != nil {
			resetTimer.Stop()
		}
	}()
	for {
		n, err := hub.Read(buf)
		if n > 0 {
			if f.resetAnswerAfter > 0 && resetTimer == nil {
				resetTimer = time.AfterFunc(f.resetAnswerAfter, func() { reset(client); hub.Close() })
			}
			if f.latency > 0 {
				p.mu.Lock()
				d := time.Duration(p.rng.Int64N(int64(f.latency)))
				p.mu.Unlock()
				time.Sleep(d)
			}
			chunk := buf[:n]
			if sureCut.Load() && f.cutAnswerAt == 0 {
				f.cutAnswerAt = 90
			}
			if f.cutAnswerAt > 0 && sent+n >= f.cutAnswerAt {
				client.Write(chunk[:f.cutAnswerAt-sent])
				if sureCut.Load() {
					p.lostPushes.Add(1)
				}
				return
			}
			if _, werr := client.Write(chunk); werr != nil {
				return
			}
			sent += n
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				reset(client)
			}
			return
		}
	}
}

// reset closes c with an RST instead of a FIN, as a peer that crashed does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
