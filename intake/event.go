package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"
)

// EventKind names a state change the bench reports to the hub.
type EventKind string

const (
	EventReceived EventKind = "tradein.received"
	EventGraded   EventKind = "tradein.graded"
	EventRerouted EventKind = "tradein.rerouted"

	EventPayoutDeclined   EventKind = "tradein.payout_declined"
	EventCounterOffer     EventKind = "tradein.counter_offer"
	EventOverrideAccepted EventKind = "tradein.override_accepted"
	EventPhotosRequested  EventKind = "tradein.photos_requested"
	EventWalkInAccepted   EventKind = "tradein.walkin_accepted"
	// EventPhotoAdded is a photo taken of a received device; its payload
	// is a Photo, whose content the hub holds by its SHA-256.
	EventPhotoAdded EventKind = "tradein.photo_added"

	// EventQuarantined is a device no trade-in holds, set aside for a
	// supervisor. It is about a device, not a trade-in: its TradeInID is
	// empty and its payload is a QuarantinedDevice.
	EventQuarantined EventKind = "device.quarantined"
)

// AboutTradeIn reports whether events of this kind name a trade-in. Only a
// quarantine does not: the device it sets aside has none.
func (k EventKind) AboutTradeIn() bool { return k != EventQuarantined }

// Event is one state change, with who, when, where and why. The store
// commits it together with the change itself, appends it to the audit log
// and queues it for the hub; Key makes its delivery idempotent.
type Event struct {
	Key       string    `json:"key"`
	Kind      EventKind `json:"kind"`
	TradeInID string    `json:"trade_in_id"`
	Operator  string    `json:"operator"`
	Bench     string    `json:"bench"`
	At        time.Time `json:"at"`
	Reason    string    `json:"reason,omitempty"`
	Payload   any       `json:"payload"`
	// Grant and Proof carry a supervisor's authority (see Grant): the
	// hub's grant of the session, and the session's signature of the
	// event's Fingerprint.
	Grant string `json:"grant,omitempty"`
	Proof string `json:"proof,omitempty"`
}

// Fingerprint is the SHA-256 of what an event says, whatever the white
// space of its payload: the hub tells a retry from a reused key by it, and
// a supervisor's session signs it.
func Fingerprint(kind EventKind, tradeInID, operator, bench string, at time.Time, payload []byte) ([]byte, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, payload); err != nil {
		return nil, fmt.Errorf("event payload: %w", err)
	}
	b, err := json.Marshal([]any{kind, tradeInID, operator, bench, at.UTC().Format(time.RFC3339Nano), json.RawMessage(compact.Bytes())})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// Sign has a supervisor's session vouch for the event: it fills Grant and
// Proof. The payload is encoded as the outbox will store it.
func (e *Event) Sign(s *Session) error {
	payload, err := json.Marshal(e.Payload)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", e.Kind, err)
	}
	fp, err := Fingerprint(e.Kind, e.TradeInID, e.Operator, e.Bench, e.At, payload)
	if err != nil {
		return err
	}
	e.Grant, e.Proof = s.Grant, s.Prove(fp)
	return nil
}

// Subject names what the event is about, for the audit log: its trade-in,
// or for a quarantine the device, by the first identifier its scan held.
func (e Event) Subject() string {
	if e.TradeInID != "" {
		return e.TradeInID
	}
	if q, ok := e.Payload.(QuarantinedDevice); ok && len(q.Identifiers) > 0 {
		return string(q.Identifiers[0].Kind) + ":" + q.Identifiers[0].Value
	}
	return ""
}

// Grading is a recorded inspection with its computed grade and decision.
type Grading struct {
	TradeInID  string     `json:"trade_in_id"`
	Operator   string     `json:"operator"`
	Bench      string     `json:"bench"`
	At         time.Time  `json:"at"`
	Inspection Inspection `json:"inspection"`
	Grade      Grade      `json:"grade"`
	Decision   Decision   `json:"decision"`
	EventKey   string     `json:"event_key"`
}
