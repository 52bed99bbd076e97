package benchsync_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

var errDisk = errors.New("disk I/O error")

// failingStore is a bench store one of whose operations fails, as a full
// or failing disk makes it; calls counts the attempts at it.
type failingStore struct {
	*store.Store
	fail  string
	calls atomic.Int32
}

func (f *failingStore) failing(op string) error {
	if op != f.fail {
		return nil
	}
	f.calls.Add(1)
	return errDisk
}

func (f *failingStore) PendingEvents(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	if err := f.failing("outbox"); err != nil {
		return nil, err
	}
	return f.Store.PendingEvents(ctx, limit)
}

func (f *failingStore) ApplyChanges(ctx context.Context, c store.Changes, cursor string) error {
	if err := f.failing("apply"); err != nil {
		return err
	}
	return f.Store.ApplyChanges(ctx, c, cursor)
}

func (f *failingStore) Settle(ctx context.Context, s []store.Settlement) error {
	if err := f.failing("settle"); err != nil {
		return err
	}
	return f.Store.Settle(ctx, s)
}

func TestAStoreFailureIsNotOffline(t *testing.T) {
	tests := []struct {
		fail string
		op   string // in the error
	}{
		{"outbox", "read the outbox"},
		{"settle", "settle pushed events"},
		{"apply", "apply pulled changes"},
	}
	for _, tt := range tests {
		t.Run(tt.fail, func(t *testing.T) {
			h := hubtest.New(t, hubtest.Config{TradeIns: 5})
			b := newBench(t, h, "b1", h.URL)
			// Something to push, so that the push reaches its store calls.
			b.sync(t)
			ti, err := b.store.TradeIn(context.Background(), tradeInID(1))
			require.NoError(t, err)
			_, err = b.svc.Receive(context.Background(), tech, ti.IMEI)
			require.NoError(t, err)

			st := &failingStore{Store: b.store, fail: tt.fail}
			var states []benchsync.State
			engine := benchsync.New(st, b.client, b.name, benchsync.WithRetry(5, time.Millisecond, time.Millisecond),
				benchsync.WithStatus(func(s benchsync.Status) { states = append(states, s.State) }))
			_, err = engine.RunOnce(context.Background())

			var se *benchsync.StoreError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.op, se.Op)
			assert.ErrorIs(t, err, errDisk)
			assert.False(t, benchsync.Retryable(err))
			assert.EqualValues(t, 1, st.calls.Load(), "a store failure is not retried as a network one is")
			assert.NotContains(t, states, benchsync.StateWaiting)
			status := engine.Status()
			assert.Equal(t, benchsync.StateFailed, status.State)
			assert.ErrorIs(t, status.Err, errDisk)
			assert.True(t, status.RetryAt.IsZero(), "no retry is scheduled")
		})
	}
}

// Run keeps a failed store failed, without a backoff, until something
// nudges it: a bench that has just recorded an event tries again at once.
func TestRunRetriesAFailedStoreWhenNudged(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 5})
	b := newBench(t, h, "b1", h.URL)
	st := &failingStore{Store: b.store, fail: "outbox"}
	statuses := make(chan benchsync.Status, 16)
	engine := benchsync.New(st, b.client, b.name, benchsync.WithInterval(time.Hour),
		benchsync.WithRetry(5, time.Millisecond, time.Millisecond),
		benchsync.WithStatus(func(s benchsync.Status) {
			if s.State == benchsync.StateFailed || s.State == benchsync.StateWaiting {
				statuses <- s
			}
		}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()

	for attempt := int32(1); attempt <= 2; attempt++ {
		s := <-statuses
		assert.Equal(t, benchsync.StateFailed, s.State, "attempt %d", attempt)
		assert.True(t, s.RetryAt.IsZero())
		assert.EqualValues(t, attempt, st.calls.Load())
		engine.Nudge()
	}
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

// A hub that does not answer is the network, not the store: waiting,
// offline, with a retry time.
func TestAnUnreachableHubIsOffline(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 5})
	b := newBench(t, h, "b1", h.URL)
	h.HTTP.Close()
	var states []benchsync.State
	engine := benchsync.New(b.store, b.client, b.name, benchsync.WithRetry(2, time.Millisecond, time.Millisecond),
		benchsync.WithStatus(func(s benchsync.Status) { states = append(states, s.State) }))
	_, err := engine.RunOnce(context.Background())
	require.Error(t, err)
	assert.False(t, benchsync.StoreFailed(err))
	assert.Contains(t, states, benchsync.StateWaiting)
	assert.Equal(t, benchsync.StateIdle, engine.Status().State)
	assert.False(t, engine.Status().Online)
}
