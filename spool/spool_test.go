package spool_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/printer"
	"github.com/intakebench/intakebench/printer/printertest"
	"github.com/intakebench/intakebench/spool"
	"github.com/intakebench/intakebench/store"
)

var start = time.Date(2026, 6, 4, 10, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// to routes every kind to one printer.
func to(p spool.Printer) spool.Route {
	return func(context.Context, string) (spool.Printer, error) { return p, nil }
}

func TestAJobOutlivesThePrinterGoingAwayAndPrintsOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	z := printertest.NewZebra(t)
	target, err := printer.ParseTarget(z.Target())
	require.NoError(t, err)
	clk := clock.NewFake(start)
	s := openStore(t)
	sp := spool.New(s, to(target), clk.Now)

	z.Stop()
	_, err = sp.Submit(ctx, spool.KindLabel, "U-5936715130527394", []byte("^XA^FDone^FS^XZ"))
	require.NoError(t, err)
	_, err = sp.Submit(ctx, spool.KindLabel, "U-0068609408775028", []byte("^XA^FDtwo^FS^XZ"))
	require.NoError(t, err)

	n, err := sp.SendDue(ctx)
	assert.Equal(t, 0, n)
	require.ErrorContains(t, err, "label U-5936715130527394: print on "+z.Target())
	waiting, err := sp.Waiting(ctx)
	require.NoError(t, err)
	require.Len(t, waiting, 2, "kept, not lost")
	assert.Equal(t, 1, waiting[0].Attempts)
	assert.Contains(t, waiting[0].LastError, "connection refused")
	assert.Equal(t, start.Add(5*time.Second), waiting[0].NextAt)
	assert.Equal(t, 0, waiting[1].Attempts, "the second waits behind the first, in order")

	z.Start()
	clk.Advance(4 * time.Second)
	n, err = sp.SendDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "the first is not due again yet, and the second waits for it")
	assert.Empty(t, z.Jobs())

	clk.Advance(time.Second)
	n, err = sp.SendDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	jobs, err := z.WaitJobs(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"^XA^FDone^FS^XZ", "^XA^FDtwo^FS^XZ"}, []string{string(jobs[0]), string(jobs[1])})

	clk.Advance(time.Hour)
	n, err = sp.SendDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "printed once")
	assert.Len(t, z.Jobs(), 2)
	waiting, err = sp.Waiting(ctx)
	require.NoError(t, err)
	assert.Empty(t, waiting)
}

func TestRetriesSlowDown(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(start)
	s := openStore(t)
	down := printer.Target{Kind: printer.USB, Addr: filepath.Join(t.TempDir(), "lp0")} // no such device
	sp := spool.New(s, to(down), clk.Now)
	_, err := sp.Submit(ctx, spool.KindLabel, "U-5936715130527394", []byte("^XA^XZ"))
	require.NoError(t, err)
	var delays []time.Duration
	for range 7 {
		_, err := sp.SendDue(ctx)
		require.Error(t, err)
		w, err := sp.Waiting(ctx)
		require.NoError(t, err)
		delays = append(delays, w[0].NextAt.Sub(clk.Now()))
		clk.Set(w[0].NextAt)
	}
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second,
		80 * time.Second, 2 * time.Minute, 2 * time.Minute}, delays)
}

// recorder is a printer that keeps what it is sent, failing while broken.
type recorder struct {
	mu     sync.Mutex
	got    []string
	broken bool
}

func (r *recorder) Print(_ context.Context, data []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken {
		return errors.New("out of paper")
	}
	r.got = append(r.got, string(data))
	return nil
}

func TestEachKindGoesToItsPrinterAndWaitsOnlyForIt(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(start)
	labels, receipts := &recorder{broken: true}, &recorder{}
	route := func(_ context.Context, kind string) (spool.Printer, error) {
		if kind == spool.KindReceipt {
			return receipts, nil
		}
		return labels, nil
	}
	sp := spool.New(openStore(t), route, clk.Now)
	_, err := sp.Submit(ctx, spool.KindLabel, "U-5936715130527394", []byte("label"))
	require.NoError(t, err)
	_, err = sp.Submit(ctx, spool.KindReceipt, "WI-E9E1D676", []byte("%PDF receipt"))
	require.NoError(t, err)
	n, err := sp.SendDue(ctx)
	assert.Equal(t, 1, n)
	assert.EqualError(t, err, "label U-5936715130527394: out of paper")
	assert.Equal(t, []string{"%PDF receipt"}, receipts.got)

	_, err = sp.Submit(ctx, "poster", "x", []byte("x"))
	assert.EqualError(t, err, `print job of kind "poster"`)
}

// gate is a printer that holds every job until released: a printer that
// takes a connection and then reads nothing.
type gate struct {
	entered chan struct{}
	release chan struct{}
	recorder
}

func (g *gate) Print(ctx context.Context, data []byte) error {
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.recorder.Print(ctx, data)
}

func TestSubmitNeverWaitsForAPrinter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	sp := spool.New(openStore(t), to(g), time.Now)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	rounds := make(chan int, 16)
	go func() {
		defer close(done)
		sp.Run(runCtx, time.Hour, func(n int, _ error) { rounds <- n })
	}()
	<-rounds // the first round finds nothing

	_, err := sp.Submit(ctx, spool.KindLabel, "U-5936715130527394", []byte("one"))
	require.NoError(t, err)
	<-g.entered // the sender is stuck on the printer now
	_, err = sp.Submit(ctx, spool.KindLabel, "U-0068609408775028", []byte("two"))
	require.NoError(t, err, "a stuck printer holds up no one who submits")

	close(g.release)
	<-rounds // "one" printed; "two" woke the next round
	<-g.entered
	assert.Equal(t, 1, <-rounds)
	stop()
	<-done
	assert.Equal(t, []string{"one", "two"}, g.got)
}
