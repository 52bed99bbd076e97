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
	StatusReturned  Status = "returned"
)

// Statuses lists every status in flow order.
var Statuses = []Status{
	StatusDraft, StatusSubmitted, StatusOffered, StatusAccepted, StatusShipped,
	StatusReceived, StatusInspected, StatusCompleted, StatusDeclined, StatusReturned,
}

// transitions is the whole status machine. accepted → received covers a
// walk-in or drop-off that never ships; inspected → declined is a payout
// declined after a damaged-on-arrival review, and declined → returned is the
// device going back to its customer.
var transitions = map[Status][]Status{
	StatusDraft:     {StatusSubmitted, StatusDeclined},
	StatusSubmitted: {StatusOffered, StatusDeclined},
	StatusOffered:   {StatusOffered, StatusAccepted, StatusDeclined},
	StatusAccepted:  {StatusShipped, StatusReceived, StatusDeclined},
	StatusShipped:   {StatusReceived},
	StatusReceived:  {StatusInspected},
	StatusInspected: {StatusCompleted, StatusDeclined},
	StatusDeclined:  {StatusReturned},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok || s == StatusCompleted || s == StatusReturned
}

// Terminal reports whether nothing can follow s.
func (s Status) Terminal() bool { return s.Valid() && len(transitions[s]) == 0 }

// CanBeReceived reports whether a device in this status is expected at the bench.
func (s Status) CanBeReceived() bool { return s == StatusAccepted || s == StatusShipped }

// Received reports whether the device of a trade-in in this status has
// already been received (and possibly inspected, paid, declined or returned).
func (s Status) Received() bool {
	switch s {
	case StatusReceived, StatusInspected, StatusCompleted, StatusReturned:
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
