package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// AppliedEvent is the payload published to the EventSink for every event
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
// with the stream's new last sequence number. Per the idempotency rules:
// an event the hub has (same key, same body) is a duplicate and gets the
// answer given the first time; the same key with another body is 422; a
// sequence number already taken by another event is 409 sequence_conflict;
// one past the next expected is 409 sequence_gap. A stream's first push may
// start anywhere: a bench enrolled again resumes with its pending events.
func (h *Hub) push(ctx context.Context, a benchAuth, req wire.PushRequest) (wire.PushResponse, error) {
	var resp wire.PushResponse
	var applied []AppliedEvent
	err := h.inTx(ctx, func(tx *sql.Tx) error {
		resp, applied = wire.PushResponse{Results: make([]wire.EventResult, 0, len(req.Events))}, nil
		var last int64
		var revoked sql.NullString
		// Read again under the write lock: a revocation that committed
		// after authentication still stops the push.
		if err := tx.QueryRowContext(ctx, `SELECT last_seq, revoked_at FROM bench_tokens WHERE id = ?`, a.tokenID).Scan(&last, &revoked); err != nil {
			return fmt.Errorf("read stream of %s: %w", a.bench, err)
		}
		if revoked.Valid {
			return problem(http.StatusUnauthorized, wire.CodeBenchRevoked, fmt.Sprintf("Bench %s was revoked.", a.bench))
		}
		for _, ev := range req.Events {
			hash, err := bodyHash(ev)
			if err != nil {
				return err
			}
			if r, found, err := h.replay(ctx, tx, a, ev, hash); err != nil || found {
				if err != nil {
					return err
				}
				resp.Results = append(resp.Results, r)
				continue
			}
			switch {
			case ev.Seq <= last:
				p := problem(http.StatusConflict, wire.CodeSequenceConflict, fmt.Sprintf(
					"Sequence number %d of bench %s already belongs to another event: the bench's outbox was recreated. Enroll the bench again to start a new stream.",
					ev.Seq, a.bench))
				p.ExpectedSeq = last + 1
				return p
			case last != 0 && ev.Seq != last+1:
				p := problem(http.StatusConflict, wire.CodeSequenceGap, fmt.Sprintf(
					"Event %d of bench %s arrived before event %d.", ev.Seq, a.bench, last+1))
				p.ExpectedSeq = last + 1
				return p
			}
			r, notice, err := h.apply(ctx, tx, a, ev)
			if err != nil {
				return fmt.Errorf("apply event %d of %s: %w", ev.Seq, a.bench, err)
			}
			if err := h.recordEvent(ctx, tx, a, ev, hash, r); err != nil {
				return err
			}
			if notice != nil {
				applied = append(applied, *notice)
			}
			resp.Results = append(resp.Results, r)
			last = ev.Seq
		}
		_, err := tx.ExecContext(ctx, `UPDATE bench_tokens SET last_seq = ? WHERE id = ?`, last, a.tokenID)
		return err
	})
	if err != nil {
		return wire.PushResponse{}, err
	}
	if h.sink != nil {
		for _, n := range applied {
			if err := h.sink.Publish(ctx, n.Kind, n); err != nil {
				h.log.WarnContext(ctx, "event sink failed", "kind", n.Kind, "key", n.Key, "err", err)
			}
		}
	}
	return resp, nil
}

// replay answers an event the hub has seen: the same key from the same
// bench at the same sequence with the same body is a duplicate. A bench
// enrolled again may replay under its new token an event it pushed under
// the old one, so the bench name is compared, not the token.
func (h *Hub) replay(ctx context.Context, tx *sql.Tx, a benchAuth, ev wire.Event, hash string) (wire.EventResult, bool, error) {
	var bench, prevHash string
	var seq int64
	var result []byte
	err := tx.QueryRowContext(ctx, `SELECT e.seq, e.body_hash, e.result, t.bench FROM events e JOIN bench_tokens t ON t.id = e.token_id WHERE e.key = ?`,
		ev.Key).Scan(&seq, &prevHash, &result, &bench)
	if errors.Is(err, sql.ErrNoRows) {
		return wire.EventResult{}, false, nil
	}
	if err != nil {
		return wire.EventResult{}, false, fmt.Errorf("look up event %s: %w", ev.Key, err)
	}
	if bench != a.bench || seq != ev.Seq || prevHash != hash {
		p := problem(http.StatusUnprocessableEntity, wire.CodeIdempotencyKeyReused, fmt.Sprintf(
			"Event key %s was already used for another event (seq %d); a key names one event only.", ev.Key, seq))
		p.Key = ev.Key
		return wire.EventResult{}, false, p
	}
	var r wire.EventResult
	if err := json.Unmarshal(result, &r); err != nil {
		return wire.EventResult{}, false, fmt.Errorf("decode saved answer of %s: %w", ev.Key, err)
	}
	r.Original, r.Status = r.Status, wire.StatusDuplicate
	return r, true, nil
}

func (h *Hub) recordEvent(ctx context.Context, tx *sql.Tx, a benchAuth, ev wire.Event, hash string, r wire.EventResult) error {
	result, err := json.Marshal(r)
	if err != nil {
		return err
	}
	status := "applied"
	if r.Status == wire.StatusRejected {
		status = "rejected"
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (token_id, seq, key, body_hash, bench, kind, tradein_id, operator, at, payload, status, result, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.tokenID, ev.Seq, ev.Key, hash, ev.Bench, string(ev.Kind), ev.TradeInID,
		ev.Operator, formatTime(ev.At), string(ev.Payload), status, result, formatTime(h.now()))
	if err != nil {
		return fmt.Errorf("record event %d of %s: %w", ev.Seq, a.bench, err)
	}
	return nil
}

// bodyHash fingerprints what an event says, whatever the whitespace of its
// payload, to tell a retry from a reused key.
func bodyHash(ev wire.Event) (string, error) {
	var payload bytes.Buffer
	if err := json.Compact(&payload, ev.Payload); err != nil {
		return "", fmt.Errorf("event %d payload: %w", ev.Seq, err)
	}
	b, err := json.Marshal([]any{ev.Kind, ev.TradeInID, ev.Operator, ev.Bench, formatTime(ev.At), json.RawMessage(payload.Bytes())})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
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
	rows, err := h.read.QueryContext(ctx, `SELECT e.seq, e.key, e.kind, e.status, e.result FROM events e
		JOIN bench_tokens t ON t.id = e.token_id WHERE t.bench = ? ORDER BY e.token_id, e.seq`, name)
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", name, err)
	}
	defer rows.Close()
	var out []RecordedEvent
	for rows.Next() {
		var e RecordedEvent
		var result []byte
		if err := rows.Scan(&e.Seq, &e.Key, &e.Kind, &e.Status, &result); err != nil {
			return nil, err
		}
		var r wire.EventResult
		if err := json.Unmarshal(result, &r); err != nil {
			return nil, fmt.Errorf("decode result of %s: %w", e.Key, err)
		}
		e.Code = r.Code
		out = append(out, e)
	}
	return out, rows.Err()
}
