package ui

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// idleLock calls onIdle (on the UI goroutine) once no input has come for a
// while. touch restarts the wait; it is cheap enough for every keystroke.
type idleLock struct {
	clock  Clock
	after  time.Duration
	onIdle func()

	mu    sync.Mutex
	timer Timer
	armed bool
}

func newIdleLock(c Clock, after time.Duration, onIdle func()) *idleLock {
	return &idleLock{clock: c, after: after, onIdle: onIdle}
}

// start arms the lock, e.g. after a login.
func (l *idleLock) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = true
	if l.timer == nil {
		l.timer = l.clock.AfterFunc(l.after, l.fire)
		return
	}
	l.timer.Reset(l.after)
}

// stop disarms the lock, e.g. while the login screen shows.
func (l *idleLock) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = false
	if l.timer != nil {
		l.timer.Stop()
	}
}

// touch records input: the wait starts over.
func (l *idleLock) touch() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.armed && l.timer != nil {
		l.timer.Reset(l.after)
	}
}

func (l *idleLock) fire() {
	l.mu.Lock()
	armed := l.armed
	l.armed = false
	l.mu.Unlock()
	if armed {
		fyne.Do(l.onIdle)
	}
}
