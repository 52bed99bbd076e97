package main

import (
	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/store"
)

// reviewQueue is the supervisor's queue of the Review tab: this bench's
// reroutes and every other bench's, fetched from the hub the bench syncs
// with now (after an enrollment from Settings, the new one).
func reviewQueue(s *store.Store, link *syncLink) benchsync.SharedQueue {
	return benchsync.SharedQueue{Store: s, Hub: func() *benchsync.Client { return link.current().client }}
}
