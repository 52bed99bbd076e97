// Package printertest is a Zebra printer on loopback for tests: a real TCP
// listener that answers ~HS host status from flags a test sets, keeps every
// job it receives, and can go away and come back on the same port.
package printertest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
)

// Zebra is a test printer.
type Zebra struct {
	t    testing.TB
	addr string

	mu       sync.Mutex
	ln       net.Listener
	jobs     [][]byte
	arrived  chan struct{} // closed and replaced at each job
	paperOut bool
	paused   bool
	headOpen bool
	conns    sync.WaitGroup
}

// NewZebra starts a test printer on a free loopback port; it stops when
// the test ends.
func NewZebra(t testing.TB) *Zebra {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("test printer: %v", err)
	}
	z := &Zebra{t: t, addr: ln.Addr().String(), arrived: make(chan struct{})}
	z.serve(ln)
	t.Cleanup(z.Stop)
	return z
}

// Addr is the printer's host:port.
func (z *Zebra) Addr() string { return z.addr }

// Target is the printer as settings name it.
func (z *Zebra) Target() string { return "tcp://" + z.addr }

func (z *Zebra) serve(ln net.Listener) {
	z.mu.Lock()
	z.ln = ln
	z.mu.Unlock()
	z.conns.Add(1)
	go func() {
		defer z.conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// One connection at a time, as port 9100 on a Zebra serves
			// them: jobs are kept in the order they were sent.
			z.handle(c)
		}
	}()
}

// handle reads one connection: a ~HS query is answered, anything else is
// a job, whole when the sender closes its side.
func (z *Zebra) handle(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	head, _ := r.Peek(3)
	if string(head) == "~HS" {
		r.Discard(3)
		z.mu.Lock()
		paper, paused, head := bit(z.paperOut), bit(z.paused), bit(z.headOpen)
		z.mu.Unlock()
		fmt.Fprintf(c, "\x02030,%s,%s,0406,000,0,0,0,000,0,0,0\x03\r\n\x02001,0,%s,0,1,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			paper, paused, head)
		return
	}
	data, err := io.ReadAll(r)
	if err != nil || len(data) == 0 {
		return
	}
	z.mu.Lock()
	z.jobs = append(z.jobs, data)
	close(z.arrived)
	z.arrived = make(chan struct{})
	z.mu.Unlock()
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// SetPaperOut, SetPaused and SetHeadOpen set what ~HS answers.
func (z *Zebra) SetPaperOut(on bool) { z.set(&z.paperOut, on) }
func (z *Zebra) SetPaused(on bool)   { z.set(&z.paused, on) }
func (z *Zebra) SetHeadOpen(on bool) { z.set(&z.headOpen, on) }

func (z *Zebra) set(f *bool, on bool) {
	z.mu.Lock()
	*f = on
	z.mu.Unlock()
}

// Stop takes the printer off the network: connections are refused until
// Start.
func (z *Zebra) Stop() {
	z.mu.Lock()
	ln := z.ln
	z.ln = nil
	z.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
}

// Start brings a stopped printer back on its port.
func (z *Zebra) Start() {
	z.t.Helper()
	ln, err := net.Listen("tcp", z.addr)
	if err != nil {
		z.t.Fatalf("test printer back on %s: %v", z.addr, err)
	}
	z.serve(ln)
}

// Jobs returns every job received so far, in order.
func (z *Zebra) Jobs() [][]byte {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([][]byte(nil), z.jobs...)
}

// WaitJobs waits until n jobs have arrived and returns them.
func (z *Zebra) WaitJobs(ctx context.Context, n int) ([][]byte, error) {
	for {
		z.mu.Lock()
		jobs, arrived := append([][]byte(nil), z.jobs...), z.arrived
		z.mu.Unlock()
		if len(jobs) >= n {
			return jobs, nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return jobs, errors.Join(fmt.Errorf("test printer: %d of %d jobs arrived", len(jobs), n), ctx.Err())
		}
	}
}
