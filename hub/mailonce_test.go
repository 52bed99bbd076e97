package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// countingMailer counts what it is asked to send, by subject. Each send
// takes a moment, as an SMTP conversation does, so two senders overlap.
type countingMailer struct {
	mu   sync.Mutex
	sent map[string]int
}

func (m *countingMailer) Send(_ context.Context, msg mail.Message) error {
	time.Sleep(time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent[msg.Subject]++
	return nil
}

// Two hub processes on one database deliver the same outbox at once: each
// e-mail goes once.
func TestTwoHubProcessesSendEachMailOnce(t *testing.T) {
	ctx := context.Background()
	dsn := hubtest.DSN(t)
	clk := clock.NewFake(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC))
	box := &countingMailer{sent: map[string]int{}}
	open := func() *hub.Hub {
		h, err := hub.Open(ctx, dsn, hub.Config{Now: clk.Now, Mailer: box})
		require.NoError(t, err)
		t.Cleanup(func() { h.Close() })
		return h
	}
	a, b := open(), open()
	const n = 40
	require.NoError(t, a.DB().InTx(ctx, func(tx *hubdb.Tx) error {
		for i := range n {
			doc, err := json.Marshal(mail.Message{To: "ada@example.com", Subject: fmt.Sprintf("mail %02d", i), Text: "Hello"})
			if err != nil {
				return err
			}
			if err := tx.EnqueueMail(ctx, "quote", "ada@example.com", doc, clk.Now()); err != nil {
				return err
			}
		}
		return nil
	}))

	var wg sync.WaitGroup
	sent := make([]int, 2)
	for i, h := range []*hub.Hub{a, b} {
		wg.Go(func() {
			for range 3 {
				k, err := h.DeliverMail(ctx)
				assert.NoError(t, err)
				sent[i] += k
			}
		})
	}
	wg.Wait()
	assert.Equal(t, n, sent[0]+sent[1], "sent by the two processes together")
	require.Len(t, box.sent, n)
	for subject, times := range box.sent {
		assert.Equal(t, 1, times, subject)
	}
}
