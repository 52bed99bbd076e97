package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Variant is one sellable device of the hub's catalog with its prices.
type Variant struct {
	Device Device     `json:"device"`
	Prices PriceTable `json:"prices"`
	// TACs are the type allocation codes listed for the variant's model
	// (every variant of a model lists the same): how a scanned IMEI tells
	// which model a device is.
	TACs []string `json:"tacs,omitempty"`
}

// Wear is how a customer describes the screen or body of a walk-in device.
type Wear string

const (
	WearNone    Wear = "none"    // no marks
	WearLight   Wear = "light"   // light scratches
	WearVisible Wear = "visible" // visible scratches, scuffs or dents
	WearCracked Wear = "cracked" // cracked or bent
)

// Disclosure is the condition questionnaire of a walk-in (seed 001: screen,
// body, battery, accessories).
type Disclosure struct {
	PowersOn       bool `json:"powers_on"`
	AccountRemoved bool `json:"account_removed"` // Find My / Google account off
	Screen         Wear `json:"screen"`
	Body           Wear `json:"body"`
	BatteryOK      bool `json:"battery_ok"` // no service warning
}

// Condition is what the answers disclose, on the same scale grading uses.
func (d Disclosure) Condition() (Condition, error) {
	for _, w := range []Wear{d.Screen, d.Body} {
		if !slices.Contains([]Wear{WearNone, WearLight, WearVisible, WearCracked}, w) {
			return ConditionUnknown, fmt.Errorf("unknown wear %q (want none, light, visible or cracked)", w)
		}
	}
	if !d.PowersOn || !d.AccountRemoved {
		return ConditionBroken, nil
	}
	c := ConditionExcellent
	worst := func(w Wear, cracked Condition) {
		switch w {
		case WearLight:
			c = min(c, ConditionGood)
		case WearVisible:
			c = min(c, ConditionFair)
		case WearCracked:
			c = min(c, cracked)
		}
	}
	// A cracked screen is CTIA D (poor); cracked back glass is C (fair).
	worst(d.Screen, ConditionPoor)
	worst(d.Body, ConditionFair)
	if !d.BatteryOK {
		c = min(c, ConditionGood)
	}
	return c, nil
}

// Answers renders the questionnaire for the trade-in record.
func (d Disclosure) Answers() []Answer {
	yesNo := func(b bool) string {
		if b {
			return "Yes"
		}
		return "No"
	}
	return []Answer{
		{Question: "Does the device power on and work normally?", Answer: yesNo(d.PowersOn)},
		{Question: "Is Find My / Google account removed?", Answer: yesNo(d.AccountRemoved)},
		{Question: "Screen condition", Answer: string(d.Screen)},
		{Question: "Body condition", Answer: string(d.Body)},
		{Question: "Battery without service warning?", Answer: yesNo(d.BatteryOK)},
	}
}

// IMEIStatus is the registry's answer for an IMEI.
type IMEIStatus string

// IMEIClean is an IMEI with no flag; the flagged statuses are FlagKinds.
const IMEIClean IMEIStatus = "clean"

// IMEICheck is the result of an IMEI check before quoting.
type IMEICheck struct {
	IMEI   string     `json:"imei"`
	Status IMEIStatus `json:"status"`
	Reason string     `json:"reason,omitempty"`
	// Carrier is the network the catalog knows the device for, where it
	// knows one; CheckedAt is when the hub's registry answered.
	Carrier   string    `json:"carrier,omitempty"`
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// PayoutMethod is how a customer is paid: a walk-in at the counter (store
// credit, cash or check), a remote customer by store credit, check or card
// (through the payment processor).
type PayoutMethod string

const (
	PayoutStoreCredit PayoutMethod = "store-credit"
	PayoutCash        PayoutMethod = "cash"
	PayoutCheck       PayoutMethod = "check"
	PayoutCard        PayoutMethod = "card"
)

// ParsePayoutMethod reads a payout method, refusing what is not one.
func ParsePayoutMethod(s string) (PayoutMethod, error) {
	m := PayoutMethod(s)
	if slices.Contains([]PayoutMethod{PayoutStoreCredit, PayoutCash, PayoutCheck, PayoutCard}, m) {
		return m, nil
	}
	return "", fmt.Errorf("unknown payout method %q (want store-credit, cash, check or card)", s)
}

// Payout is an obligation to pay a customer.
type Payout struct {
	Method PayoutMethod `json:"method"`
	Amount Cents        `json:"amount"`
}

// Quote is a walk-in price.
type Quote struct {
	Condition Condition `json:"condition"`
	Price     Cents     `json:"price"`
}

// QuoteWalkIn prices a variant in the condition the answers disclose.
func QuoteWalkIn(v Variant, d Disclosure) (Quote, error) {
	c, err := d.Condition()
	if err != nil {
		return Quote{}, err
	}
	p, err := v.Prices.Quote(c)
	if err != nil {
		return Quote{}, fmt.Errorf("%s %s %s: %w", v.Device.Make, v.Device.Model, v.Device.Storage, err)
	}
	return Quote{Condition: c, Price: p}, nil
}

// WalkIn is a counter trade-in the customer accepted.
type WalkIn struct {
	Variant    Variant
	Disclosure Disclosure
	IMEI       string // as scanned or typed
	Check      IMEICheck
	Customer   Customer
	Payout     PayoutMethod
}

// WalkInStore is the storage a walk-in needs beyond the bench's.
type WalkInStore interface {
	BenchStore
	RecordWalkIn(ctx context.Context, t TradeIn, r Receipt, events []Event) error
}

// WalkInFlaggedError stops a walk-in whose IMEI the registry flags.
type WalkInFlaggedError struct{ Check IMEICheck }

func (e *WalkInFlaggedError) Error() string {
	return fmt.Sprintf("IMEI %s is %s (%s): do not buy this device", e.Check.IMEI, e.Check.Status, e.Check.Reason)
}

// WalkInModelError stops a walk-in whose IMEI's TAC the catalog lists for
// another model than the one picked: the quote would be for the wrong
// device.
type WalkInModelError struct {
	Picked DeviceModel
	TAC    TACLookup // what the IMEI says the device is
}

func (e *WalkInModelError) Error() string {
	return fmt.Sprintf("IMEI %s (TAC %s) is listed for the %s, not the %s picked", e.TAC.IMEI, e.TAC.TAC, e.TAC.Names(), e.Picked)
}

// AcceptWalkIn records an accepted walk-in: the trade-in, received on the
// spot, and the payout obligation, in one durable step.
func (b *Bench) AcceptWalkIn(ctx context.Context, ws WalkInStore, op Operator, w WalkIn) (TradeIn, Receipt, error) {
	if err := Authorize(op, ActionWalkIn); err != nil {
		return TradeIn{}, Receipt{}, err
	}
	imei, err := SingleIMEI(w.IMEI)
	if err != nil {
		return TradeIn{}, Receipt{}, err
	}
	if w.Check.IMEI != imei || w.Check.Status == "" {
		return TradeIn{}, Receipt{}, fmt.Errorf("IMEI %s has not been checked: run the IMEI check first", imei)
	}
	if w.Check.Status != IMEIClean {
		return TradeIn{}, Receipt{}, &WalkInFlaggedError{Check: w.Check}
	}
	if f, flagged, err := ws.FlagFor(ctx, imei); err != nil {
		return TradeIn{}, Receipt{}, err
	} else if flagged {
		return TradeIn{}, Receipt{}, &WalkInFlaggedError{Check: IMEICheck{IMEI: imei, Status: IMEIStatus(f.Kind), Reason: f.Reason}}
	}
	// The same checks as the counter's IMEI check, again: the catalog or
	// another bench may have changed since.
	dev, err := b.walkInDevice(ctx, ws, imei)
	if err != nil {
		return TradeIn{}, Receipt{}, err
	}
	if m := dev.Mismatch(w.Variant.Device); m != nil {
		return TradeIn{}, Receipt{}, m
	}
	if strings.TrimSpace(w.Customer.Name) == "" {
		return TradeIn{}, Receipt{}, errors.New("a walk-in needs the customer's name")
	}
	if !slices.Contains([]PayoutMethod{PayoutStoreCredit, PayoutCash, PayoutCheck}, w.Payout) {
		return TradeIn{}, Receipt{}, fmt.Errorf("unknown payout method %q (want store-credit, cash or check)", w.Payout)
	}
	q, err := QuoteWalkIn(w.Variant, w.Disclosure)
	if err != nil {
		return TradeIn{}, Receipt{}, err
	}
	now := b.now().UTC()
	id := b.newKey()
	t := TradeIn{
		ID: id, Reference: "WI-" + strings.ToUpper(shortID(id)), Status: StatusReceived, Device: w.Variant.Device,
		IMEI: imei, Customer: w.Customer, Disclosed: q.Condition, Answers: w.Disclosure.Answers(),
		Offer: q.Price, Prices: w.Variant.Prices, UpdatedAt: now,
	}
	r := Receipt{TradeInID: id, IMEI: imei, Operator: op.ID, Bench: b.name, At: now, EventKey: b.newKey()}
	t.Receipt = &r
	payout := Payout{Method: w.Payout, Amount: q.Price}
	ev := Event{Key: r.EventKey, Kind: EventWalkInAccepted, TradeInID: id, Operator: op.ID, Bench: b.name, At: now,
		Reason: fmt.Sprintf("walk-in accepted at %s, paid by %s", q.Price, w.Payout),
		Payload: struct {
			TradeIn TradeIn `json:"trade_in"`
			Payout  Payout  `json:"payout"`
		}{t, payout}}
	if err := ws.RecordWalkIn(ctx, t, r, []Event{ev}); err != nil {
		return TradeIn{}, Receipt{}, fmt.Errorf("record walk-in: %w", err)
	}
	return t, r, nil
}

// SingleIMEI reads the one IMEI a scan or typed text holds, and says how
// to find it when the text holds none or several.
func SingleIMEI(raw string) (string, error) {
	ids, perr := ParseScan(raw)
	var imeis []string
	for _, id := range ids {
		if id.Kind == KindIMEI {
			imeis = append(imeis, id.Value)
		}
	}
	switch {
	case len(imeis) == 1:
		return imeis[0], nil
	case len(imeis) > 1:
		return "", fmt.Errorf("%q holds %d IMEIs: scan or type the device's first IMEI only", raw, len(imeis))
	case perr != nil:
		return "", fmt.Errorf("%w: check the digits, or dial *#06# on the phone to show its IMEI", perr)
	}
	return "", fmt.Errorf("%q is not an IMEI: an IMEI has 15 digits; dial *#06# on the phone to show it", raw)
}

func shortID(id string) string {
	id = strings.ReplaceAll(id, "-", "")
	return id[:min(8, len(id))]
}
