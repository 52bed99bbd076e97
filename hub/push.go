package hub

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// AppliedEvent is the payload published to the outbox for every event
// the hub applied: the event and the trade-in as it stands after it.
type AppliedEvent struct {
	Key      string          `json:"key"`
	Kind     string          `json:"kind"`
	Bench    string          `json:"bench"`
	Operator string          `json:"operator"`
	At       time.Time       `json:"at"`
	Payload  json.RawMessage `json:"payload"`
	TradeIn  intake.TradeIn  `json:"trade_in"`
}

// push applies a bench's events in its sequence, all in one transaction
// with the stream's new last sequence number and the outbox's deliveries.
// Per the idempotency rules: an event the hub has (same key, same body) is
// a duplicate and gets the answer given the first time; the same key with
// another body is 422; a sequence number already taken by another event is
// 409 sequence_conflict; one past the next expected is 409 sequence_gap. A
// stream's first push may start anywhere: a bench enrolled again resumes
// with its pending events.
func (h *Hub) push(ctx context.Context, a benchAuth, req wire.PushRequest) (wire.PushResponse, error) {
	var resp wire.PushResponse
	err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		resp = wire.PushResponse{Results: make([]wire.EventResult, 0, len(req.Events))}
		// Read again under the write lock: a revocation that committed
		// after authentication still stops the push.
		stream, err := tx.BenchTokenByID(ctx, a.tokenID)
		if err != nil {
			return fmt.Errorf("read stream of %s: %w", a.bench, err)
		}
		if stream.Revoked {
			return refuse(KindUnauthorized, wire.CodeBenchRevoked, "Bench %s was revoked.", a.bench)
		}
		last := stream.LastSeq
		for _, ev := range req.Events {
			hash, err := bodyHash(ev)
			if err != nil {
				return err
			}
			if r, found, err := replay(ctx, tx, a, ev, hash); err != nil || found {
				if err != nil {
					return err
				}
				resp.Results = append(resp.Results, r)
				continue
			}
			if err := checkSequence(a.bench, last, ev.Seq); err != nil {
				return err
			}
			r, err := h.applyOne(ctx, tx, a, ev)
			if err != nil {
				return fmt.Errorf("apply event %d of %s: %w", ev.Seq, a.bench, err)
			}
			if err := h.recordEvent(ctx, tx, a, ev, hash, r); err != nil {
				return err
			}
			resp.Results = append(resp.Results, r)
			last = ev.Seq
		}
		if err := h.recordAuditHead(ctx, tx, a, req.AuditHead); err != nil {
			return err
		}
		return tx.SetLastSeq(ctx, a.tokenID, last)
	})
	if err != nil {
		return wire.PushResponse{}, err
	}
	if h.outbox != nil {
		h.outbox.Wake()
	}
	// An applied event may have queued mail (a walk-in's receipt, a
	// decline's e-mail): it goes now, not at the next tick.
	if slices.ContainsFunc(resp.Results, func(r wire.EventResult) bool { return r.Status == wire.StatusApplied }) {
		h.wakeMail()
	}
	return resp, nil
}

// applyOne applies an event and answers it: applied, or rejected with the
// rule's code. An applied event that changed a trade-in goes to the outbox
// in the same transaction.
func (h *Hub) applyOne(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event) (wire.EventResult, error) {
	res := wire.EventResult{Seq: ev.Seq, Key: ev.Key}
	out, err := h.apply(ctx, tx, a, ev)
	var rej *Rejection
	if errors.As(err, &rej) {
		res.Status, res.Code, res.Detail = wire.StatusRejected, rej.Code, oneLine(rej.Detail, maxDetail)
		res.TradeIn, res.Receipt, res.Decision = rej.TradeIn, rej.Receipt, rej.Decision
		return res, nil
	}
	if err != nil {
		return res, err
	}
	if out.event != nil && h.outbox != nil {
		if err := h.outbox.PublishTx(ctx, tx, out.event.Kind, *out.event); err != nil {
			return res, fmt.Errorf("record the webhooks of %s: %w", ev.Key, err)
		}
	}
	res.Status, res.Decision = wire.StatusApplied, out.decision
	return res, nil
}

// checkSequence decides whether an event at seq may follow the stream's
// last applied one.
func checkSequence(bench string, last, seq int64) error {
	switch {
	case seq <= last:
		e := refuse(KindConflict, wire.CodeSequenceConflict,
			"Sequence number %d of bench %s already belongs to another event: the bench's outbox was recreated. Enroll the bench again to start a new stream.",
			seq, bench)
		e.ExpectedSeq = last + 1
		return e
	case last != 0 && seq != last+1:
		e := refuse(KindConflict, wire.CodeSequenceGap, "Event %d of bench %s arrived before event %d.", seq, bench, last+1)
		e.ExpectedSeq = last + 1
		return e
	}
	return nil
}

// replay answers an event the hub has seen: the same key from the same
// bench at the same sequence with the same body is a duplicate. A bench
// enrolled again may replay under its new token an event it pushed under
// the old one, so the bench name is compared, not the token.
func replay(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, hash string) (wire.EventResult, bool, error) {
	prev, err := tx.EventByKey(ctx, ev.Key)
	if errors.Is(err, hubdb.ErrNotFound) {
		return wire.EventResult{}, false, nil
	}
	if err != nil {
		return wire.EventResult{}, false, fmt.Errorf("look up event %s: %w", ev.Key, err)
	}
	if prev.Bench != a.bench || prev.Seq != ev.Seq || prev.BodyHash != hash {
		e := refuse(KindUnprocessable, wire.CodeIdempotencyKeyReused,
			"Event key %s was already used for another event (seq %d); a key names one event only.", ev.Key, prev.Seq)
		e.Key = ev.Key
		return wire.EventResult{}, false, e
	}
	var r wire.EventResult
	if err := json.Unmarshal(prev.Result, &r); err != nil {
		return wire.EventResult{}, false, fmt.Errorf("decode saved answer of %s: %w", ev.Key, err)
	}
	r.Original, r.Status = r.Status, wire.StatusDuplicate
	return r, true, nil
}

func (h *Hub) recordEvent(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, hash string, r wire.EventResult) error {
	result, err := json.Marshal(r)
	if err != nil {
		return err
	}
	status := "applied"
	if r.Status == wire.StatusRejected {
		status = "rejected"
	}
	// The event is the authenticated bench's, whatever bench it names.
	return tx.InsertEvent(ctx, hubdb.Event{TokenID: a.tokenID, Bench: a.bench, Seq: ev.Seq, Key: ev.Key, BodyHash: hash, Kind: string(ev.Kind),
		TradeInID: ev.TradeInID, Operator: ev.Operator, At: ev.At, Payload: ev.Payload, Status: status, Result: result, ReceivedAt: h.now()})
}

// bodyHash fingerprints what an event says (intake.Fingerprint), to tell a
// retry from a reused key. Its time is written as RFC 3339, not as stored:
// fingerprints of events pushed before the storage format changed stay
// what they were.
func bodyHash(ev wire.Event) (string, error) {
	fp, err := intake.Fingerprint(ev.Kind, ev.TradeInID, ev.Operator, ev.Bench, ev.At, ev.Payload)
	if err != nil {
		return "", fmt.Errorf("event %d: %w", ev.Seq, err)
	}
	return hex.EncodeToString(fp), nil
}

// maxDetail is the longest reject detail the contract allows.
const maxDetail = 2048

// oneLine makes a reject detail fit the contract: one line (joined errors
// come with newlines) of at most max bytes. A bench refuses an answer with
// a detail that does not fit, and would push the event again forever.
func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), "; ")
	s = strings.Map(func(r rune) rune {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// RecordedEvent is an event as the hub recorded it.
type RecordedEvent struct {
	Seq    int64
	Key    string
	Kind   string
	Status wire.EventStatus // applied or rejected
	Code   string
}

// BenchEvents lists the events the hub recorded from the bench called name,
// across its enrollments, in the order it received them.
func (h *Hub) BenchEvents(ctx context.Context, name string) ([]RecordedEvent, error) {
	var events []hubdb.Event
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		events, err = tx.BenchEvents(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]RecordedEvent, 0, len(events))
	for _, e := range events {
		var r wire.EventResult
		if err := json.Unmarshal(e.Result, &r); err != nil {
			return nil, fmt.Errorf("decode result of %s: %w", e.Key, err)
		}
		out = append(out, RecordedEvent{Seq: e.Seq, Key: e.Key, Kind: e.Kind, Status: wire.EventStatus(e.Status), Code: r.Code})
	}
	return out, nil
}
