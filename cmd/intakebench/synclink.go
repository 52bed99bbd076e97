package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

// syncLink keeps the bench syncing with its hub in the background, and
// moves it to another hub after an enrollment from the settings screen.
type syncLink struct {
	ctx    context.Context
	db     string
	store  *store.Store
	demo   int
	stderr io.Writer
	status *statusModel

	mu     sync.Mutex
	cur    hubLink
	cancel context.CancelFunc
	done   chan struct{}
}

// startSync connects to the bench's hub (a local demo hub when the bench
// is not enrolled) and starts syncing. A bench with an empty cache pulls
// before it returns, so that its first scan can match.
func startSync(ctx context.Context, db string, s *store.Store, demo int, stderr io.Writer, status *statusModel) (*syncLink, error) {
	l := &syncLink{ctx: ctx, db: db, store: s, demo: demo, stderr: stderr, status: status}
	if err := l.connect(true); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *syncLink) connect(firstPull bool) error {
	h, err := connectHub(l.ctx, l.db, l.store, l.demo, l.stderr, benchsync.WithStatus(l.status.sync))
	if err != nil {
		return err
	}
	if firstPull {
		if n, err := l.store.CountTradeIns(l.ctx); err == nil && n == 0 {
			if _, err := h.engine.RunOnce(l.ctx); benchsync.StoreFailed(err) {
				fmt.Fprintf(l.stderr, "first sync failed: %v\n", err)
			} else if err != nil {
				fmt.Fprintf(l.stderr, "first sync failed, starting offline: %v\n", err)
			}
		}
	}
	ctx, cancel := context.WithCancel(l.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.engine.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(l.stderr, "sync stopped: %v (enroll the bench again in Settings)\n", err)
		}
	}()
	l.mu.Lock()
	l.cur, l.cancel, l.done = h, cancel, done
	l.mu.Unlock()
	return nil
}

// disconnect stops syncing and whatever connect started.
func (l *syncLink) disconnect() error {
	l.mu.Lock()
	cur, cancel, done := l.cur, l.cancel, l.done
	l.cur, l.cancel, l.done = hubLink{}, nil, nil
	l.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	<-done
	return cur.stop()
}

func (l *syncLink) close() error { return l.disconnect() }

func (l *syncLink) current() hubLink {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

func (l *syncLink) benchName() string { return l.current().bench }

// local reports whether the bench syncs with the app's own demo hub.
func (l *syncLink) local() bool { return l.current().local }

// syncNow syncs with the bench's hub now and waits for it.
func (l *syncLink) syncNow(ctx context.Context) error {
	e := l.current().engine
	if e == nil {
		return benchsync.ErrNotRunning
	}
	return e.SyncNow(ctx)
}

// nudge syncs now: something was recorded.
func (l *syncLink) nudge() {
	if e := l.current().engine; e != nil {
		e.Nudge()
	}
}

// Check asks the hub's IMEI registry.
func (l *syncLink) Check(ctx context.Context, imei string) (intake.IMEICheck, error) {
	c := l.current().client
	if c == nil {
		return intake.IMEICheck{}, errors.New("the bench is switching hubs")
	}
	return c.Check(ctx, imei)
}

// BenchRelease asks the hub which bench release it offers (releaseAsker).
func (l *syncLink) BenchRelease(ctx context.Context) (wire.BenchRelease, bool, error) {
	c := l.current().client
	if c == nil {
		return wire.BenchRelease{}, false, errors.New("the bench is switching hubs")
	}
	return c.BenchRelease(ctx)
}

// grantWait is how long a supervisor's login waits for the hub's grant
// before going on without one: an offline bench must not feel slow.
const grantWait = 3 * time.Second

// Grant asks the hub for a supervisor's grant (intake.Granter).
func (l *syncLink) Grant(ctx context.Context, operatorID, pin, badge string, sessionKey ed25519.PublicKey) (string, error) {
	c := l.current().client
	if c == nil {
		return "", errors.New("the bench is switching hubs")
	}
	ctx, cancel := context.WithTimeout(ctx, grantWait)
	defer cancel()
	return benchsync.Granter{Client: c}.Grant(ctx, operatorID, pin, badge, sessionKey)
}

// guiEnroller enrolls the bench with a hub from the settings screen and
// moves the sync there. The cache of the old hub's trade-ins is dropped;
// what the bench recorded itself is kept.
type guiEnroller struct {
	link  *syncLink
	store *store.Store
	db    string
	bench string
}

func (g guiEnroller) Enroll(ctx context.Context, hubURL, code string) error {
	// Events still in the outbox belong to the current hub: moving now
	// would send them to one that has never heard of their trade-ins.
	if n, err := g.store.CountPending(ctx); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("%d events have not reached the current hub yet; let the bench sync first, so that nothing is lost", n)
	}
	if _, err := enroll(ctx, hubURL, code, g.bench, defaultTokenFile(g.db)); err != nil {
		return err
	}
	if err := g.link.disconnect(); err != nil {
		fmt.Fprintf(g.link.stderr, "stop the old sync: %v\n", err)
	}
	if err := g.store.ResetCache(ctx); err != nil {
		return fmt.Errorf("clear the old hub's trade-ins: %w", err)
	}
	return g.link.connect(false)
}
