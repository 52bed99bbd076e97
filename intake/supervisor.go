package intake

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// UnitState is where a received device stands at the bench.
type UnitState string

const (
	UnitReceived        UnitState = "received"
	UnitGraded          UnitState = "graded"
	UnitRerouted        UnitState = "rerouted" // payout held for a supervisor
	UnitCounterOffered  UnitState = "counter-offered"
	UnitPhotosRequested UnitState = "photos-requested"
	UnitAccepted        UnitState = "accepted" // payout released
	UnitDeclined        UnitState = "declined" // goes back to the customer
)

// AwaitsSupervisor reports whether a unit in this state is in the review queue.
func (s UnitState) AwaitsSupervisor() bool { return s == UnitRerouted || s == UnitPhotosRequested }

// DecisionKind is what a supervisor decides about a rerouted device.
type DecisionKind string

const (
	DecideDecline      DecisionKind = "confirm-decline" // return the device, pay nothing
	DecideCounterOffer DecisionKind = "counter-offer"   // offer what the graded condition fetches
	DecideOverride     DecisionKind = "override-accept" // pay the original offer anyway
	DecideMorePhotos   DecisionKind = "more-photos"     // cannot decide yet
)

// DefaultCounterOfferExpiry is how long a customer has to answer a counter-offer.
const DefaultCounterOfferExpiry = 7 * 24 * time.Hour

// SupervisorDecision is a supervisor's ruling on a rerouted device.
type SupervisorDecision struct {
	TradeInID string       `json:"trade_in_id"`
	Kind      DecisionKind `json:"kind"`
	Operator  string       `json:"operator"`
	Bench     string       `json:"bench"`
	At        time.Time    `json:"at"`
	Reason    string       `json:"reason"`
	// CounterOffer and Expires are set for a counter-offer only.
	CounterOffer Cents     `json:"counter_offer,omitempty"`
	Expires      time.Time `json:"expires,omitzero"`
	EventKey     string    `json:"event_key"`
}

// DecisionRequest is what the supervisor screen sends.
type DecisionRequest struct {
	Kind         DecisionKind
	Reason       string
	CounterOffer Cents
	// Expires defaults to DefaultCounterOfferExpiry from now.
	Expires time.Time
}

// ResultingState is the unit state a decision leads to, and the event the
// hub hears of it.
func (k DecisionKind) ResultingState() (UnitState, EventKind, error) {
	switch k {
	case DecideDecline:
		return UnitDeclined, EventPayoutDeclined, nil
	case DecideCounterOffer:
		return UnitCounterOffered, EventCounterOffer, nil
	case DecideOverride:
		return UnitAccepted, EventOverrideAccepted, nil
	case DecideMorePhotos:
		return UnitPhotosRequested, EventPhotosRequested, nil
	}
	return "", "", fmt.Errorf("unknown supervisor decision %q", k)
}

// Review is one rerouted device as the supervisor queue shows it.
type Review struct {
	TradeIn TradeIn   `json:"trade_in"`
	State   UnitState `json:"state"`
	Grading Grading   `json:"grading"`
	Photos  []Photo   `json:"photos,omitempty"`
	// Remote is set on an item of the hub's queue whose device another
	// bench received and rerouted (Grading.Bench): this bench holds no
	// unit of it. It is the bench's to know, never part of the contract.
	Remote bool `json:"-"`
}

// Photo is a picture of a device, stored by the hash of its content.
type Photo struct {
	SHA256   string    `json:"sha256"`
	Angle    string    `json:"angle"`
	MIME     string    `json:"mime"`
	Operator string    `json:"operator"`
	TakenAt  time.Time `json:"taken_at"`
}

// ReviewStore is the storage supervisor decisions need.
type ReviewStore interface {
	Review(ctx context.Context, tradeInID string) (Review, error)
	RecordDecision(ctx context.Context, d SupervisorDecision, from UnitState, to UnitState, events []Event) error
}

// RemoteReviewStore is a ReviewStore that also keeps the hub's review
// queue: devices rerouted at other benches, whose units it does not hold.
// Decide falls back on it for a trade-in without a unit here.
type RemoteReviewStore interface {
	ReviewStore
	// RemoteReview returns the hub's queue item of a trade-in as last
	// fetched, Remote set; ErrNotFound when the queue does not list it.
	RemoteReview(ctx context.Context, tradeInID string) (Review, error)
	// RecordRemoteDecision records a decision on a remote item if it is
	// still in the state it was decided on, with its events, at once.
	RecordRemoteDecision(ctx context.Context, d SupervisorDecision, from UnitState, to UnitState, events []Event) error
}

// Decide records a supervisor's decision on a rerouted device: one this
// bench holds, or, when rs is a RemoteReviewStore, one the hub's queue
// lists from another bench. Only a supervisor may decide; the role is
// checked here, below any screen. The event goes to the hub like any
// other, which settles the item at every bench.
func (b *Bench) Decide(ctx context.Context, rs ReviewStore, op Operator, tradeInID string, req DecisionRequest) (SupervisorDecision, error) {
	if err := Authorize(op, ActionDecide); err != nil {
		return SupervisorDecision{}, err
	}
	if req.Kind == DecideOverride {
		if err := Authorize(op, ActionOverride); err != nil {
			return SupervisorDecision{}, err
		}
	}
	to, kind, err := req.Kind.ResultingState()
	if err != nil {
		return SupervisorDecision{}, err
	}
	r, err := rs.Review(ctx, tradeInID)
	remote, hasRemote := rs.(RemoteReviewStore)
	if errors.Is(err, ErrNotFound) && hasRemote {
		r, err = remote.RemoteReview(ctx, tradeInID)
	}
	if err != nil {
		return SupervisorDecision{}, fmt.Errorf("review of %s: %w", tradeInID, err)
	}
	if !r.State.AwaitsSupervisor() {
		return SupervisorDecision{}, fmt.Errorf("trade-in %s is %s, not waiting for a supervisor", r.TradeIn.Reference, r.State)
	}
	now := b.now().UTC()
	d := SupervisorDecision{TradeInID: tradeInID, Kind: req.Kind, Operator: op.ID, Bench: b.name, At: now, Reason: req.Reason, EventKey: b.newKey()}
	if err := validateDecision(&d, req, r, now); err != nil {
		return SupervisorDecision{}, err
	}
	ev := Event{Key: d.EventKey, Kind: kind, TradeInID: tradeInID, Operator: op.ID, Bench: b.name, At: now, Reason: d.Reason, Payload: d}
	if op.Session != nil {
		if err := ev.Sign(op.Session); err != nil {
			return SupervisorDecision{}, err
		}
	}
	record := rs.RecordDecision
	if r.Remote && hasRemote {
		record = remote.RecordRemoteDecision
	}
	if err := record(ctx, d, r.State, to, []Event{ev}); err != nil {
		return SupervisorDecision{}, fmt.Errorf("record decision on %s: %w", r.TradeIn.Reference, err)
	}
	return d, nil
}

func validateDecision(d *SupervisorDecision, req DecisionRequest, r Review, now time.Time) error {
	switch req.Kind {
	case DecideCounterOffer:
		if req.CounterOffer <= 0 {
			return errors.New("a counter-offer needs an amount above zero")
		}
		if req.CounterOffer >= r.TradeIn.Offer {
			return fmt.Errorf("a counter-offer of %s is not below the original offer of %s: override-accept instead", req.CounterOffer, r.TradeIn.Offer)
		}
		d.CounterOffer, d.Expires = req.CounterOffer, req.Expires
		if d.Expires.IsZero() {
			d.Expires = now.Add(DefaultCounterOfferExpiry)
		}
		if !d.Expires.After(now) {
			return errors.New("a counter-offer must expire in the future")
		}
		if d.Reason == "" {
			d.Reason = r.Grading.Decision.Reason
		}
	case DecideDecline, DecideOverride, DecideMorePhotos:
		if req.CounterOffer != 0 || !req.Expires.IsZero() {
			return fmt.Errorf("%s takes no amount or expiry", req.Kind)
		}
		if d.Reason == "" {
			return fmt.Errorf("%s needs a reason for the record", req.Kind)
		}
	}
	return nil
}

// OpenUnit is a device this bench received whose work is not done: not
// graded yet, more photos asked for, or a counter-offer waiting for the
// customer's answer. It is the technician's to-do list.
type OpenUnit struct {
	TradeIn  TradeIn
	State    UnitState
	Received time.Time
}
