package hub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
)

// recordAuditHead keeps the head of the bench's audit log that a push
// carried (nil: the bench sent none), in the push's transaction. A head
// that does not extend the bench's last one is kept with why: the bench's
// history was rewritten, or its database replaced. The push is not
// refused for it: its events are valid whatever the bench's log says, and
// a supervisor, not a bench that can no longer sync, sorts it out.
func (h *Hub) recordAuditHead(ctx context.Context, tx *hubdb.Tx, a benchAuth, head *wire.AuditHead) error {
	if head == nil {
		return nil
	}
	last, err := tx.LastAuditHead(ctx, a.bench)
	found := err == nil
	if err != nil && !errors.Is(err, hubdb.ErrNotFound) {
		return err
	}
	if found && last.Seq == head.Seq && last.Hash == head.Hash {
		return nil // a push retried, or nothing logged since
	}
	rec := hubdb.AuditHead{Bench: a.bench, TokenID: a.tokenID, Seq: head.Seq, Hash: head.Hash, ReceivedAt: h.now()}
	if found {
		rec.Rewrite = auditRewrite(last, *head)
	}
	if rec.Rewrite != "" {
		h.log.Warn("a bench's audit history was rewritten", "bench", a.bench, "seq", head.Seq, "previous_seq", last.Seq, "why", rec.Rewrite)
	}
	return tx.InsertAuditHead(ctx, rec)
}

// auditRewrite says why head does not extend last, the bench's previous
// head, or "" when it does. A log that only grows moves its head forward;
// an entry rewritten and the hashes after it recomputed shows as the same
// seq with another hash, a log cut back or replaced as a lower seq. A
// rewrite followed by new entries before the next push is beyond what heads
// alone can show: the hub would have to ask for the hash at a seq it knows.
func auditRewrite(last hubdb.AuditHead, head wire.AuditHead) string {
	switch {
	case head.Seq < last.Seq:
		return fmt.Sprintf("the log went back from entry %d to entry %d", last.Seq, head.Seq)
	case head.Seq == last.Seq && head.Hash != last.Hash:
		return fmt.Sprintf("entry %d changed its hash", head.Seq)
	}
	return ""
}

// AuditHead is a head of a bench's audit log the hub recorded.
type AuditHead struct {
	Seq        int64
	Hash       string
	TokenID    int64 // the token it came under: an enrollment of the bench
	ReceivedAt time.Time
	// Rewrite says why the head does not extend the one before it: the
	// bench's history was rewritten. Empty when it does.
	Rewrite string
}

// AuditHeads lists the heads recorded of the bench called name, across its
// enrollments, in the order they arrived; none for a bench that never sent
// one.
func (h *Hub) AuditHeads(ctx context.Context, name string) ([]AuditHead, error) {
	var heads []hubdb.AuditHead
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		heads, err = tx.AuditHeads(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]AuditHead, len(heads))
	for i, r := range heads {
		out[i] = AuditHead{Seq: r.Seq, Hash: r.Hash, TokenID: r.TokenID, ReceivedAt: r.ReceivedAt, Rewrite: r.Rewrite}
	}
	return out, nil
}

// AuditBenches lists the benches whose audit heads the hub keeps.
func (h *Hub) AuditBenches(ctx context.Context) ([]string, error) {
	var names []string
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		names, err = tx.AuditBenches(ctx)
		return err
	})
	return names, err
}
