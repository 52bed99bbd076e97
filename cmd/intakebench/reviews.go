package main

import (
	"context"
	"time"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
	"github.com/intakebench/intakebench/ui"
)

// reviewQueue is the supervisor's queue of the Review tab: this bench's
// reroutes and every other bench's, pulled from the hub the bench syncs
// with now (after an enrollment from Settings, the new one).
func reviewQueue(s *store.Store, link *syncLink) benchsync.SharedQueue {
	return benchsync.SharedQueue{Store: s, Hub: func() *benchsync.Client { return link.current().client }, Sync: link.syncNow}
}

// queueFetcher brings the hub's review queue to the bench's store: a sync.
type queueFetcher interface {
	FetchQueue(ctx context.Context) error
}

// freshUnits looks a scan up and, when it finds a unit waiting for a
// supervisor, fetches the hub's queue and looks again: a supervisor at
// another bench may have decided since (asked for more photos), and the
// technician holding the device is the one to act on it. A hub that does
// not answer within wait leaves the first answer, as the queue was last
// fetched.
type freshUnits struct {
	lookup ui.Lookuper
	queue  queueFetcher
	wait   time.Duration
}

// freshUnitWait bounds what a rescan of a waiting unit adds when the hub
// is slow or away.
const freshUnitWait = 700 * time.Millisecond

func (f freshUnits) Lookup(ctx context.Context, raw string) (intake.Match, error) {
	m, err := f.lookup.Lookup(ctx, raw)
	if err != nil || !m.Unit.AwaitsSupervisor() {
		return m, err
	}
	fetchCtx, cancel := context.WithTimeout(ctx, f.wait)
	defer cancel()
	if f.queue.FetchQueue(fetchCtx) != nil {
		return m, nil
	}
	return f.lookup.Lookup(ctx, raw)
}

// watchQueue fetches the hub's review queue at each tick, so that what a
// supervisor decided at another bench (more photos) reaches this bench's
// to-do list without a rescan; fetched is called after each fetch that
// worked.
func watchQueue(ctx context.Context, q queueFetcher, tick <-chan time.Time, fetched func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		if q.FetchQueue(ctx) == nil {
			fetched()
		}
	}
}
