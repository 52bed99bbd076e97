// Package clock is the one fake clock of the tests: time-driven behaviour
// takes a func() time.Time, and a test hands it Fake.Now and moves time on
// by hand instead of sleeping.
package clock

import (
	"sync"
	"time"
)

// Fake is a clock that moves only when told, with timers that fire as it
// passes their deadlines. It is safe for concurrent use.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*Timer
}

// Timer is a pending AfterFunc call of a Fake, stopped and reset like a
// *time.Timer.
type Timer struct {
	c      *Fake
	at     time.Time
	f      func()
	active bool
}

// NewFake returns a clock standing at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now is the clock's time; hand Now itself to code that takes a clock.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock on by d and returns the new time. The timers due
// by then fire in deadline order, synchronously, each with the clock at
// its deadline, so a timer a fired one sets within d fires too.
func (f *Fake) Advance(d time.Duration) time.Time {
	f.mu.Lock()
	end := f.now.Add(d)
	for {
		next := f.nextDue(end)
		if next == nil {
			break
		}
		next.active = false
		f.now = next.at
		f.mu.Unlock()
		next.f()
		f.mu.Lock()
	}
	f.now = end
	f.mu.Unlock()
	return end
}

// nextDue is the active timer with the earliest deadline at or before end,
// the first set among equals.
func (f *Fake) nextDue(end time.Time) *Timer {
	var next *Timer
	kept := f.timers[:0]
	for _, t := range f.timers {
		if !t.active {
			continue
		}
		kept = append(kept, t)
		if !t.at.After(end) && (next == nil || t.at.Before(next.at)) {
			next = t
		}
	}
	f.timers = kept
	return next
}

// AfterFunc calls fn once the clock has moved d on.
func (f *Fake) AfterFunc(d time.Duration, fn func()) *Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &Timer{c: f, at: f.now.Add(d), f: fn, active: true}
	f.timers = append(f.timers, t)
	return t
}

// Stop keeps the timer from firing and reports whether it was pending.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

// Reset makes the timer fire d from now and reports whether it was pending.
func (t *Timer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.at, t.active = t.c.now.Add(d), true
	if !was {
		t.c.timers = append(t.c.timers, t)
	}
	return was
}

// Set moves the clock to t, backwards too (a clock jump).
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}
