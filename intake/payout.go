package intake

import (
	"fmt"
	"time"
)

// A trade-in's payout is a ledger, never a field that changes: each step is
// an entry appended to it, and where the payout stands is read off the
// entries. The steps:
//
//	obligation  owed for the accepted offer (seed 001's "payout obligation")
//	hold        held for a supervisor: the device arrived worse than disclosed
//	release     due to the customer: inspected as disclosed, or a supervisor
//	            accepted it (at most the obligation: a counter-offer is less)
//	settle      paid, with the method's reference (a processor's id, a
//	            check number, a store-credit voucher)
//	fail        the processor refused to pay a due payout (a card declined,
//	            an account closed): it waits for staff, who release it
//	            again once the customer's account is right
//	void        nothing will be paid: declined, or the device never came
type PayoutEntryKind string

const (
	PayoutObligation PayoutEntryKind = "obligation"
	PayoutHold       PayoutEntryKind = "hold"
	PayoutRelease    PayoutEntryKind = "release"
	PayoutSettle     PayoutEntryKind = "settle"
	PayoutFail       PayoutEntryKind = "fail"
	PayoutVoid       PayoutEntryKind = "void"
)

// PayoutState is where a payout stands after its ledger's entries.
type PayoutState string

const (
	PayoutNone    PayoutState = "none"
	PayoutOwed    PayoutState = "owed"
	PayoutHeld    PayoutState = "held"
	PayoutDue     PayoutState = "due"
	PayoutSettled PayoutState = "settled"
	PayoutFailed  PayoutState = "failed"
	PayoutVoided  PayoutState = "voided"
)

// payoutSteps is the ledger's machine: what each entry moves a payout from
// and to.
var payoutSteps = map[PayoutEntryKind]struct {
	from []PayoutState
	to   PayoutState
}{
	PayoutObligation: {[]PayoutState{PayoutNone}, PayoutOwed},
	PayoutHold:       {[]PayoutState{PayoutOwed}, PayoutHeld},
	PayoutRelease:    {[]PayoutState{PayoutOwed, PayoutHeld, PayoutFailed}, PayoutDue},
	PayoutSettle:     {[]PayoutState{PayoutDue}, PayoutSettled},
	PayoutFail:       {[]PayoutState{PayoutDue}, PayoutFailed},
	PayoutVoid:       {[]PayoutState{PayoutOwed, PayoutHeld}, PayoutVoided},
}

// PayoutEntry is one step of a trade-in's payout.
type PayoutEntry struct {
	ID        int64           `json:"id"`
	TradeInID string          `json:"trade_in_id"`
	Kind      PayoutEntryKind `json:"kind"`
	Amount    Cents           `json:"amount"`
	Method    PayoutMethod    `json:"method"`
	// Destination is where a card payout goes (the customer's account at
	// the processor), on the obligation.
	Destination string `json:"destination,omitempty"`
	// Reference is the payment's own reference on a settle entry: the
	// processor's id, a check number, a voucher.
	Reference string    `json:"reference,omitempty"`
	Actor     string    `json:"actor"` // who or what made the step: an operator, an API key, "hub"
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

// PayoutStanding is where a trade-in's payout stands: its state, the amount owed
// or due (the obligation, then the release) and how it is paid.
type PayoutStanding struct {
	State  PayoutState  `json:"state"`
	Amount Cents        `json:"amount"`
	Method PayoutMethod `json:"method"`
}

// PayoutOf folds a ledger's entries, oldest first, into where the payout
// stands. A ledger the machine would not have written is an error.
func PayoutOf(entries []PayoutEntry) (PayoutStanding, error) {
	p := PayoutStanding{State: PayoutNone}
	for _, e := range entries {
		next, err := p.Next(e)
		if err != nil {
			return p, fmt.Errorf("payout entry %d of trade-in %s: %w", e.ID, e.TradeInID, err)
		}
		p = next
	}
	return p, nil
}

// PayoutStepError is an entry the payout's state does not allow.
type PayoutStepError struct {
	Kind  PayoutEntryKind
	State PayoutState
}

func (e *PayoutStepError) Error() string {
	return fmt.Sprintf("a payout that is %s cannot take a %s", e.State, e.Kind)
}

// Next checks entry e against the payout and returns where it leaves it.
// An obligation names the amount and method; a release may lower the
// amount (a counter-offer the customer took) but never raise it; a settle
// pays exactly what is due, by the payout's method.
func (p PayoutStanding) Next(e PayoutEntry) (PayoutStanding, error) {
	step, ok := payoutSteps[e.Kind]
	if !ok {
		return p, fmt.Errorf("unknown payout entry %q", e.Kind)
	}
	allowed := false
	for _, from := range step.from {
		allowed = allowed || p.State == from
	}
	if !allowed {
		return p, &PayoutStepError{Kind: e.Kind, State: p.State}
	}
	switch e.Kind {
	case PayoutObligation:
		if e.Amount <= 0 || e.Amount > MaxAmount {
			return p, fmt.Errorf("an obligation of %s is not between 0.01 and %s: %w", e.Amount, MaxAmount, ErrAmountOutOfRange)
		}
		if _, err := ParsePayoutMethod(string(e.Method)); err != nil {
			return p, err
		}
		return PayoutStanding{State: step.to, Amount: e.Amount, Method: e.Method}, nil
	case PayoutRelease:
		if e.Amount <= 0 || e.Amount > p.Amount {
			return p, fmt.Errorf("a release of %s is not between 0.01 and the %s owed: %w", e.Amount, p.Amount, ErrAmountOutOfRange)
		}
		p.Amount = e.Amount
	case PayoutSettle:
		if e.Amount != p.Amount {
			return p, fmt.Errorf("a settlement of %s is not the %s due", e.Amount, p.Amount)
		}
		if e.Method != p.Method {
			return p, fmt.Errorf("a settlement by %s is not the payout's method, %s", e.Method, p.Method)
		}
		if e.Reference == "" {
			return p, fmt.Errorf("a settlement needs the payment's reference")
		}
	default:
		if e.Amount != p.Amount {
			return p, fmt.Errorf("a %s of %s is not the %s the payout stands at", e.Kind, e.Amount, p.Amount)
		}
	}
	p.State = step.to
	return p, nil
}

// StockReason is why a product's stock moved.
type StockReason string

const (
	StockAccepted StockReason = "accepted" // seed 001: stock +1 when the customer accepts
	StockWalkIn   StockReason = "walk-in"  // bought at the counter
	StockReturned StockReason = "returned" // declined after inspection, sent back: -1
	StockImported StockReason = "imported" // an imported trade-in already accepted
)

// StockEntry is one movement of a product's stock. Stock is never a
// counter that is set: it is the sum of a product's entries.
type StockEntry struct {
	ID        int64       `json:"id"`
	SKU       string      `json:"sku"`
	Delta     int64       `json:"delta"`
	Reason    StockReason `json:"reason"`
	TradeInID string      `json:"trade_in_id,omitempty"`
	UnitID    string      `json:"unit_id,omitempty"`
	At        time.Time   `json:"at"`
}

// StockDelta is how far a reason moves stock.
func StockDelta(r StockReason) int64 {
	if r == StockReturned {
		return -1
	}
	return 1
}
