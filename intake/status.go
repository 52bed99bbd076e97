package intake

import "fmt"

// Status is where a trade-in stands in its life (seed 003's status flow).
type Status string

const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusOffered   Status = "offered"
	StatusAccepted  Status = "accepted"
	StatusShipped   Status = "shipped"
	StatusReceived  Status = "received"
	StatusInspected Status = "inspected"
	StatusCompleted Status = "completed"
	StatusDeclined  Status = "declined"
)

// Statuses lists every status in flow order.
var Statuses = []Status{
	StatusDraft, StatusSubmitted, StatusOffered, StatusAccepted, StatusShipped,
	StatusReceived, StatusInspected, StatusCompleted, StatusDeclined,
}

// transitions is the whole status machine, seed 003's nine statuses, for
// every trade-in: walk-ins, customers' submissions and imports alike.
//
//   - accepted → received covers a walk-in or drop-off that never ships;
//   - inspected → inspected is a device graded again;
//   - inspected → declined is a payout declined after a damaged-on-arrival
//     review: the device goes back to its customer (its unit is returned);
//   - declined → offered is seed 001's counter-quote "from the same queue at
//     any time", for a trade-in whose device was never received
//     (CanCounterQuote).
var transitions = map[Status][]Status{
	StatusDraft:     {StatusSubmitted, StatusDeclined},
	StatusSubmitted: {StatusOffered, StatusDeclined},
	StatusOffered:   {StatusOffered, StatusAccepted, StatusDeclined},
	StatusAccepted:  {StatusShipped, StatusReceived, StatusDeclined},
	StatusShipped:   {StatusReceived},
	StatusReceived:  {StatusInspected},
	StatusInspected: {StatusInspected, StatusCompleted, StatusDeclined},
	StatusDeclined:  {StatusOffered},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok || s == StatusCompleted
}

// ParseStatus reads a status name, refusing what is not one.
func ParseStatus(s string) (Status, error) {
	if st := Status(s); st.Valid() {
		return st, nil
	}
	return "", fmt.Errorf("unknown status %q (want one of draft, submitted, offered, accepted, shipped, received, inspected, completed, declined)", s)
}

// Terminal reports whether nothing can follow s.
func (s Status) Terminal() bool { return s.Valid() && len(transitions[s]) == 0 }

// CanBeReceived reports whether a device in this status is expected at the bench.
func (s Status) CanBeReceived() bool { return s == StatusAccepted || s == StatusShipped }

// Received reports whether the device of a trade-in in this status has
// already been received (and possibly inspected or paid). A declined
// trade-in's device may or may not have been: its receipt tells.
func (s Status) Received() bool {
	switch s {
	case StatusReceived, StatusInspected, StatusCompleted:
		return true
	}
	return false
}

// Open reports whether a trade-in in this status is still in progress: the
// same device cannot start another one meanwhile.
func (s Status) Open() bool {
	switch s {
	case StatusSubmitted, StatusOffered, StatusAccepted, StatusShipped, StatusReceived, StatusInspected:
		return true
	}
	return false
}

// TransitionError names both ends of a move the status machine forbids.
type TransitionError struct{ From, To Status }

func (e *TransitionError) Error() string {
	name := func(s Status) string {
		if s.Valid() {
			return string(s)
		}
		return fmt.Sprintf("unknown status %q", string(s))
	}
	return fmt.Sprintf("a trade-in cannot go from %s to %s", name(e.From), name(e.To))
}

// CanCounterQuote reports whether a new offer may be sent for t: while it
// waits for one or the customer has not answered the last, and after a
// decline of a device that never reached a bench. A device declined after
// inspection goes back to its customer; it is not offered for again.
func (t TradeIn) CanCounterQuote() bool {
	switch t.Status {
	case StatusSubmitted, StatusOffered:
		return true
	case StatusDeclined:
		return t.Receipt == nil
	}
	return false
}

// Transition checks the move from → to and returns a *TransitionError when
// the status machine forbids it.
func Transition(from, to Status) error {
	for _, next := range transitions[from] {
		if next == to {
			return nil
		}
	}
	return &TransitionError{From: from, To: to}
}
