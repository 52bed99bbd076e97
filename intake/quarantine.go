package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// QuarantinedDevice is a device no trade-in holds, set aside for a
// supervisor instead of being received.
type QuarantinedDevice struct {
	Scan        string       `json:"scan"`        // as read, surrounding blanks trimmed
	Identifiers []Identifier `json:"identifiers"` // the device identities the scan holds, IMEIs first
	// Flag is the registry's flag on the device, when it has one: a flagged
	// device is kept, not returned, whatever the supervisor finds.
	Flag     *Flag     `json:"flag,omitempty"`
	Operator string    `json:"operator"`
	Bench    string    `json:"bench"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason"`
	EventKey string    `json:"event_key"`
}

// Validate checks a quarantine as the bench records it and the hub accepts
// it: its scan holds a device identity, and it says who, when, where and
// why. The hub reads the identifiers from the scan again rather than
// comparing lists, so that a bench and a hub with different versions of the
// parser still agree.
func (q QuarantinedDevice) Validate() error {
	if _, err := cleanReason(q.Reason); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	ids := DeviceIdentities(q.Scan)
	if len(ids) == 0 {
		return fmt.Errorf("quarantine: the scan %.80q holds no device identifier", q.Scan)
	}
	if len(q.Identifiers) == 0 {
		return errors.New("quarantine: no device identifier recorded")
	}
	if q.Operator == "" || q.Bench == "" || q.At.IsZero() || q.EventKey == "" {
		return errors.New("quarantine: missing who, when, where or its event key")
	}
	return nil
}

// NotQuarantinableError is a quarantine refused because a trade-in holds
// the device: it is received, or refused, by that trade-in's rules.
type NotQuarantinableError struct {
	Scan    string
	TradeIn TradeIn
	Outcome Outcome
}

func (e *NotQuarantinableError) Error() string {
	hint := "follow what the match card says"
	if e.Outcome == OutcomeMatched {
		hint = "receive it instead"
	}
	return fmt.Sprintf("scan %.80q is the device of trade-in %s (%s): quarantine is for devices no trade-in holds; %s",
		e.Scan, e.TradeIn.Reference, e.Outcome, hint)
}

// Quarantine records that op set aside, for a supervisor, a device whose
// scan no trade-in holds, with the reason. A device the registry flags may
// be quarantined too (it must be kept); a device that belongs to a
// trade-in may not. Like a receipt, the record is durable when Quarantine
// returns without error, and goes to the hub.
func (b *Bench) Quarantine(ctx context.Context, op Operator, scan, reason string) error {
	if err := Authorize(op, ActionQuarantine); err != nil {
		return err
	}
	reason, err := cleanReason(reason)
	if err != nil {
		return fmt.Errorf("quarantine: say why the device is set aside: %w", err)
	}
	scan = strings.TrimSpace(scan)
	m, err := b.Lookup(ctx, scan)
	if err != nil {
		return err
	}
	switch {
	case m.Outcome == OutcomeInvalid:
		return fmt.Errorf("scan %.80q cannot be quarantined: %s. Scan or type the IMEI or serial of the device itself, so that a supervisor can find it", scan, m.Problem)
	case m.TradeIn != nil:
		return &NotQuarantinableError{Scan: scan, TradeIn: *m.TradeIn, Outcome: m.Outcome}
	case m.Outcome != OutcomeUnknown && m.Outcome != OutcomeFlagged:
		return fmt.Errorf("scan %.80q cannot be quarantined: it is %s", scan, m.Outcome)
	}
	q := QuarantinedDevice{Scan: scan, Identifiers: DeviceIdentities(scan), Flag: m.Flag, Operator: op.ID, Bench: b.name,
		At: b.now().UTC(), Reason: reason, EventKey: b.newKey()}
	if err := q.Validate(); err != nil {
		return err
	}
	ev := Event{Key: q.EventKey, Kind: EventQuarantined, Operator: op.ID, Bench: b.name, At: q.At, Reason: reason, Payload: q}
	if err := b.store.RecordQuarantine(ctx, q, []Event{ev}); err != nil {
		return fmt.Errorf("record quarantine of %s: %w", q.Identifiers[0].Value, err)
	}
	return nil
}
