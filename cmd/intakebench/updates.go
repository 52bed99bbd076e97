package main

import (
	"context"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// releaseAsker asks the hub which bench release it offers
// (*benchsync.Client).
type releaseAsker interface {
	BenchRelease(ctx context.Context) (wire.BenchRelease, bool, error)
}

// updateCheckEvery is how often a bench asks: a release is offered for
// the next shift, not the next minute.
const updateCheckEvery = time.Hour

// watchUpdates asks hub at once and on every tick which release it offers,
// and calls show with the notice for a supervisor, or false when the bench
// runs what is offered. A hub that cannot be reached changes nothing: the
// last answer stands until the next one. It returns when ctx ends.
func watchUpdates(ctx context.Context, hub releaseAsker, running string, tick <-chan time.Time, show func(intake.UpdateNotice, bool)) {
	for {
		if rel, ok, err := hub.BenchRelease(ctx); err == nil {
			offered := ""
			if ok {
				offered = rel.Version
			}
			show(intake.UpdateAvailable(running, offered))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}
