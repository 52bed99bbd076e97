package serialscan_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device"
)

// waitFor bounds how long a test waits for something that should happen
// within milliseconds; it only guards against hanging, it asserts no speed.
const waitFor = 10 * time.Second

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

// nextOf returns the next event, which must be a T.
func nextOf[T device.Event](e events) T {
	e.t.Helper()
	ev := e.next()
	got, ok := ev.(T)
	require.Truef(e.t, ok, "want a %T, got %#v", got, ev)
	return got
}

func (e events) scan() device.Scan { e.t.Helper(); return nextOf[device.Scan](e) }

func (e events) rejected() device.Rejected { e.t.Helper(); return nextOf[device.Rejected](e) }

func (e events) status(want device.State) device.Status {
	e.t.Helper()
	s := nextOf[device.Status](e)
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
