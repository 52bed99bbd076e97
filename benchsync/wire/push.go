package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intakebench/intakebench/intake"
)

// Event is one outbox event pushed to the hub. Seq is the bench's own
// sequence number: strictly increasing, one per event, with no gaps. Key is
// a UUID that makes the delivery idempotent.
type Event struct {
	Seq       int64            `json:"seq"`
	Key       string           `json:"key"`
	Kind      intake.EventKind `json:"kind"`
	TradeInID string           `json:"trade_in_id"`
	Operator  string           `json:"operator"`
	Bench     string           `json:"bench"`
	At        time.Time        `json:"at"`
	Payload   json.RawMessage  `json:"payload"`
	// Grant and Proof carry a supervisor's authority: the hub's grant of
	// the session (POST /v1/grants) and the session's signature of the
	// event's intake.Fingerprint. They are not part of the fingerprint.
	Grant string `json:"grant,omitempty"`
	Proof string `json:"proof,omitempty"`
}

// Validate checks the event's envelope. Its kind and payload are the hub's
// to judge: an event the hub cannot apply is rejected, not refused, so that
// the bench's sequence moves on and a supervisor sees why.
func (e *Event) Validate() error {
	if e.Seq <= 0 {
		return fmt.Errorf("event seq %d: want a positive number", e.Seq)
	}
	if _, err := uuid.Parse(e.Key); err != nil || len(e.Key) != 36 {
		return fmt.Errorf("event %d: key %.40q is not a UUID", e.Seq, e.Key)
	}
	var errs []error
	errs = append(errs, checkID("kind", string(e.Kind)), checkID("operator", e.Operator), checkID("bench", e.Bench))
	// A quarantine is of a device no trade-in holds; whether one that
	// names a trade-in anyway can be applied is the hub's to judge.
	if e.Kind.AboutTradeIn() || e.TradeInID != "" {
		errs = append(errs, checkID("trade_in_id", e.TradeInID))
	}
	if e.At.IsZero() {
		errs = append(errs, errors.New("no time"))
	}
	errs = append(errs, checkText("grant", e.Grant, MaxGrantBytes), checkText("proof", e.Proof, 128))
	switch {
	case len(e.Payload) > MaxEventPayload:
		errs = append(errs, fmt.Errorf("payload over %d bytes", MaxEventPayload))
	case !json.Valid(e.Payload):
		errs = append(errs, errors.New("payload is not JSON"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("event %d: %w", e.Seq, err)
	}
	return nil
}

// PushRequest is the body of POST /v1/events: a run of consecutive events
// of one bench, lowest sequence first.
type PushRequest struct {
	Bench  string  `json:"bench"`
	Events []Event `json:"events"`
	// AuditHead is the last entry of the bench's audit log when it pushed;
	// absent from a bench with an empty log, or one older than the field.
	AuditHead *AuditHead `json:"audit_head,omitempty"`
}

// AuditHead names the last entry of a bench's audit log: its sequence
// number and its hash, which covers every entry before it (an HMAC under
// the bench's own key, which the hub does not hold). A bench's log only
// grows, so the hub can tell a rewritten history by a head that goes back,
// or a known sequence number with another hash.
type AuditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Validate checks the head: a positive seq and a SHA-256-sized hash in
// lower-case hex.
func (h *AuditHead) Validate() error {
	if h.Seq <= 0 {
		return fmt.Errorf("audit head seq %d: want a positive number", h.Seq)
	}
	if len(h.Hash) != 64 || strings.Trim(h.Hash, "0123456789abcdef") != "" {
		return fmt.Errorf("audit head hash %.70q: want 64 lower-case hex digits", h.Hash)
	}
	return nil
}

// Validate checks the request and that its sequence numbers are consecutive.
func (r *PushRequest) Validate() error {
	if err := checkID("bench", r.Bench); err != nil {
		return err
	}
	if len(r.Events) == 0 || len(r.Events) > MaxPushEvents {
		return fmt.Errorf("%d events: want 1 to %d", len(r.Events), MaxPushEvents)
	}
	if r.AuditHead != nil {
		if err := r.AuditHead.Validate(); err != nil {
			return err
		}
	}
	for i := range r.Events {
		if err := r.Events[i].Validate(); err != nil {
			return err
		}
		if i > 0 && r.Events[i].Seq != r.Events[i-1].Seq+1 {
			return fmt.Errorf("event seq %d follows %d: a push must be consecutive", r.Events[i].Seq, r.Events[i-1].Seq)
		}
	}
	return nil
}

// EventStatus is the hub's answer for one event.
type EventStatus string

const (
	// StatusApplied: the hub applied the event now.
	StatusApplied EventStatus = "applied"
	// StatusDuplicate: the hub had the event already; Original says what it
	// answered then, and a rejection repeats its code and detail.
	StatusDuplicate EventStatus = "duplicate"
	// StatusRejected: the hub refused the event for good. It still took its
	// sequence number; Code says why and TradeIn is the state that won.
	StatusRejected EventStatus = "rejected"
)

// EventResult is the hub's answer for one event of a push.
type EventResult struct {
	Seq      int64       `json:"seq"`
	Key      string      `json:"key"`
	Status   EventStatus `json:"status"`
	Original EventStatus `json:"original,omitempty"`
	Code     string      `json:"code,omitempty"`
	Detail   string      `json:"detail,omitempty"`
	// TradeIn is the hub's current state of the trade-in when the event was
	// rejected, Receipt the receipt that won when it was already received.
	TradeIn *intake.TradeIn `json:"trade_in,omitempty"`
	Receipt *intake.Receipt `json:"receipt,omitempty"`
	// Decision is the hub's damaged-on-arrival decision of an applied
	// grading, when it differs from the bench's: the hub's stands.
	Decision *intake.Decision `json:"decision,omitempty"`
}

// Rejected reports whether the hub refused the event, now or the first time.
func (r EventResult) Rejected() bool {
	return r.Status == StatusRejected || (r.Status == StatusDuplicate && r.Original == StatusRejected)
}

// Validate checks one result on its own.
func (r *EventResult) Validate() error {
	switch r.Status {
	case StatusApplied:
	case StatusRejected:
		if r.Code == "" {
			return fmt.Errorf("event %d rejected without a code", r.Seq)
		}
	case StatusDuplicate:
		if r.Original != StatusApplied && r.Original != StatusRejected {
			return fmt.Errorf("event %d: duplicate of an unknown outcome %q", r.Seq, r.Original)
		}
	default:
		return fmt.Errorf("event %d: unknown status %q", r.Seq, r.Status)
	}
	if err := errors.Join(checkText("code", r.Code, 64), checkText("detail", r.Detail, 2048)); err != nil {
		return fmt.Errorf("event %d: %w", r.Seq, err)
	}
	if r.TradeIn != nil {
		if err := ValidateTradeIn(*r.TradeIn); err != nil {
			return fmt.Errorf("event %d: %w", r.Seq, err)
		}
	}
	return nil
}

// PushResponse is the answer to a push: one result per event, in order.
type PushResponse struct {
	Results []EventResult `json:"results"`
}

// Validate checks every result on its own; Answers checks them against the
// request.
func (p *PushResponse) Validate() error {
	if len(p.Results) > MaxPushEvents {
		return fmt.Errorf("%d results, more than %d", len(p.Results), MaxPushEvents)
	}
	for i := range p.Results {
		if err := p.Results[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Answers checks that p answers req: one result per event, in order, each
// naming its event. A response that does not is never settled.
func (p *PushResponse) Answers(req PushRequest) error {
	if len(p.Results) != len(req.Events) {
		return fmt.Errorf("%d results for %d events", len(p.Results), len(req.Events))
	}
	for i, r := range p.Results {
		if e := req.Events[i]; r.Seq != e.Seq || r.Key != e.Key {
			return fmt.Errorf("result %d names event %d (%s), want %d (%s)", i, r.Seq, r.Key, e.Seq, e.Key)
		}
	}
	return nil
}
