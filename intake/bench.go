package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrNotFound is returned by stores for a trade-in they do not hold.
var ErrNotFound = errors.New("not found")

// AlreadyReceivedError is a second receipt for a device already received.
type AlreadyReceivedError struct{ Receipt Receipt }

func (e *AlreadyReceivedError) Error() string {
	r := e.Receipt
	return fmt.Sprintf("trade-in %s was already received by %s at bench %s on %s",
		r.TradeInID, r.Operator, r.Bench, r.At.Local().Format("2006-01-02 15:04"))
}

// BenchStore is the storage the bench service needs. A store commits each
// Record call, with its events, in one durable transaction.
type BenchStore interface {
	TradeInsByIdentifier(ctx context.Context, id Identifier) ([]TradeIn, error)
	TradeIn(ctx context.Context, id string) (TradeIn, error)
	FlagFor(ctx context.Context, imei string) (Flag, bool, error)
	LocalReceipt(ctx context.Context, tradeInID string) (Receipt, bool, error)
	// LocalReceiptByDevice returns this bench's latest receipt of the
	// device whose identity (Receipt.IMEI) is identifier: how a device linked
	// by hand, which no trade-in knows by its scan, is found again.
	LocalReceiptByDevice(ctx context.Context, identifier string) (Receipt, bool, error)
	RecordReceipt(ctx context.Context, r Receipt, events []Event) error
	RecordGrading(ctx context.Context, g Grading, events []Event) error
	RecordQuarantine(ctx context.Context, q QuarantinedDevice, events []Event) error
	RecordPhoto(ctx context.Context, tradeInID string, p Photo, data []byte, events []Event) error
	// ModelsByTAC returns the models the catalog lists a TAC for, none for
	// a TAC it does not know.
	ModelsByTAC(ctx context.Context, tac string) ([]DeviceModel, error)
}

// Bench is the application service a bench's screens call.
type Bench struct {
	store    BenchStore
	name     string
	now      func() time.Time
	newKey   func() string
	evidence PhotoLister
}

// PhotoLister lists the photos a trade-in's device has; store.Store is one.
type PhotoLister interface {
	Photos(ctx context.Context, tradeInID string) ([]Photo, error)
}

// WithRerouteEvidence makes RecordGrading refuse to reroute a device that
// has no photo and no stated reason for none: a supervisor decides on a
// damage claim from the photos, and a reroute without them comes back as
// "ask for more photos". It returns b.
func (b *Bench) WithRerouteEvidence(photos PhotoLister) *Bench {
	b.evidence = photos
	return b
}

// PhotosNeededError is a reroute without a photo or a reason for none.
type PhotosNeededError struct{ Reference string }

func (e *PhotosNeededError) Error() string {
	return fmt.Sprintf("trade-in %s is worse than disclosed, and a supervisor decides on it from photos: "+
		"take a photo of the damage, or say why there is none", e.Reference)
}

// NewBench returns the service for the bench called name. newKey makes
// unique idempotency keys (UUIDs in production).
func NewBench(store BenchStore, name string, now func() time.Time, newKey func() string) *Bench {
	return &Bench{store: store, name: name, now: now, newKey: newKey}
}

// Outcome is what a scan resolves to.
type Outcome string

const (
	OutcomeMatched         Outcome = "matched"          // an accepted trade-in awaits this device
	OutcomeAlreadyReceived Outcome = "already-received" // someone received it before
	OutcomeNotAccepted     Outcome = "not-yet-accepted" // the trade-in is not accepted (yet)
	OutcomeFlagged         Outcome = "flagged"          // blacklisted or finance-locked: stop
	OutcomeModelMismatch   Outcome = "model-mismatch"   // the IMEI's TAC names another model than the trade-in's
	OutcomeUnknown         Outcome = "unknown"          // no trade-in holds this device
	OutcomeInvalid         Outcome = "invalid"          // the scan holds no usable identifier
)

// Match is what one scan resolved to.
type Match struct {
	Outcome     Outcome      `json:"outcome"`
	Scan        string       `json:"scan"`
	Identifiers []Identifier `json:"identifiers"`
	TradeIn     *TradeIn     `json:"trade_in,omitempty"`
	Receipt     *Receipt     `json:"receipt,omitempty"`
	Flag        *Flag        `json:"flag,omitempty"`
	// TAC is what the catalog lists the TAC of the scanned IMEI for, set
	// with OutcomeModelMismatch.
	TAC *TACLookup `json:"tac,omitempty"`
	// Problem explains an invalid scan, or the parts of a scan that were
	// not usable beside the identifiers that were.
	Problem string `json:"problem,omitempty"`
	// Unit is where this bench's unit of an already received device
	// stands (not graded yet, photos requested...), when the store says.
	Unit UnitState `json:"unit,omitempty"`
}

// UnitStates tells where a unit this bench received stands; store.Store is
// one. A BenchStore that is one lets Lookup say it of a device scanned
// again: what the technician is to do with it next.
type UnitStates interface {
	UnitState(ctx context.Context, tradeInID string) (UnitState, error)
}

// Lookup resolves a raw scan against the cache. It changes nothing.
func (b *Bench) Lookup(ctx context.Context, raw string) (Match, error) {
	ids, perr := ParseScan(raw)
	m := Match{Scan: raw, Identifiers: ids}
	if perr != nil {
		m.Problem = perr.Error()
	}
	devices := slices.DeleteFunc(slices.Clone(ids), func(id Identifier) bool { return !id.DeviceIdentity() })
	if len(devices) == 0 {
		m.Outcome = OutcomeInvalid
		if m.Problem == "" {
			m.Problem = "the scan holds no device identifier (IMEI, MEID or serial)"
		}
		return m, nil
	}
	var found []TradeIn
	for _, id := range devices {
		ts, err := b.store.TradeInsByIdentifier(ctx, id)
		if err != nil {
			return Match{}, fmt.Errorf("look up %s %s: %w", id.Kind, id.Value, err)
		}
		for _, t := range ts {
			if !slices.ContainsFunc(found, func(f TradeIn) bool { return f.ID == t.ID }) {
				found = append(found, t)
			}
		}
	}
	if len(found) == 0 {
		// 14 digits found nothing as a serial: they may be an IMEI
		// typed without its check digit.
		for _, id := range devices {
			imei, ok := MissingCheckDigit(id)
			if !ok {
				continue
			}
			ts, err := b.store.TradeInsByIdentifier(ctx, imei)
			if err != nil {
				return Match{}, fmt.Errorf("look up %s %s: %w", imei.Kind, imei.Value, err)
			}
			if len(ts) > 0 {
				found, devices = ts, []Identifier{imei}
				m.Identifiers = []Identifier{imei}
				break
			}
		}
	}
	if len(found) == 0 {
		t, ok, err := b.linkedByHand(ctx, devices)
		if err != nil {
			return Match{}, err
		}
		if ok {
			found = append(found, t)
		}
	}
	// A flag on any IMEI of the device stops everything else.
	imeis := imeisOf(devices, found)
	for _, imei := range imeis {
		f, ok, err := b.store.FlagFor(ctx, imei)
		if err != nil {
			return Match{}, fmt.Errorf("check flags of %s: %w", imei, err)
		}
		if ok {
			m.Outcome, m.Flag = OutcomeFlagged, &f
			if t, ok := pickTradeIn(found); ok {
				m.TradeIn = &t
			}
			return m, nil
		}
	}
	t, ok := pickTradeIn(found)
	if !ok {
		m.Outcome = OutcomeUnknown
		return m, nil
	}
	m.TradeIn = &t
	r, received, err := b.store.LocalReceipt(ctx, t.ID)
	if err != nil {
		return Match{}, fmt.Errorf("check receipt of %s: %w", t.Reference, err)
	}
	switch {
	case received:
		m.Outcome, m.Receipt = OutcomeAlreadyReceived, &r
		if us, ok := b.store.(UnitStates); ok {
			if m.Unit, err = us.UnitState(ctx, t.ID); err != nil {
				return Match{}, fmt.Errorf("state of %s: %w", t.Reference, err)
			}
		}
	case t.Status.Received():
		m.Outcome, m.Receipt = OutcomeAlreadyReceived, t.Receipt
	case t.Status.CanBeReceived():
		m.Outcome = OutcomeMatched
	default:
		m.Outcome = OutcomeNotAccepted
	}
	if m.Outcome == OutcomeMatched {
		// Only a device the bench would receive is checked: a flag, a
		// receipt or a trade-in not accepted yet says more than its model.
		l, err := b.otherModel(ctx, devices, t.Device)
		if err != nil {
			return Match{}, err
		}
		if l != nil {
			m.Outcome, m.TAC = OutcomeModelMismatch, l
		}
	}
	return m, nil
}

// otherModel returns what the catalog lists the TAC of a scanned IMEI for
// when that names another model than d (a trade-in's, a walk-in's pick),
// nil when every TAC the catalog knows names d's model. Every IMEI of the
// scan counts: a scan reads one device (its screen, its label), whichever
// identifier matched the trade-in. A TAC the catalog does not know is no
// mismatch: TAC lists are never complete. A TAC listed for several models
// is one only when none of them is d's.
func (b *Bench) otherModel(ctx context.Context, devices []Identifier, d Device) (*TACLookup, error) {
	if strings.TrimSpace(d.Model) == "" {
		return nil, nil // nothing to compare with
	}
	var checked []string
	for _, id := range devices {
		if id.Kind != KindIMEI {
			continue
		}
		tac := TACOf(id.Value)
		if tac == "" || slices.Contains(checked, tac) {
			continue
		}
		checked = append(checked, tac)
		models, err := b.store.ModelsByTAC(ctx, tac)
		if err != nil {
			return nil, fmt.Errorf("look up TAC %s: %w", tac, err)
		}
		if len(models) == 0 || slices.ContainsFunc(models, func(dm DeviceModel) bool { return dm.Names(d) }) {
			continue
		}
		return &TACLookup{IMEI: id.Value, TAC: tac, Models: models}, nil
	}
	return nil, nil
}

// linkedByHand finds the trade-in a device no trade-in knows by its scan was
// linked to by hand at this bench, while that trade-in is still in
// progress: scanned again, the device shows as received, and cannot be
// linked to a second trade-in. A long-finished trade-in does not count: the
// same phone may come back years later.
func (b *Bench) linkedByHand(ctx context.Context, devices []Identifier) (TradeIn, bool, error) {
	for _, id := range devices {
		r, ok, err := b.store.LocalReceiptByDevice(ctx, id.Value)
		if err != nil {
			return TradeIn{}, false, fmt.Errorf("look up receipts of %s %s: %w", id.Kind, id.Value, err)
		}
		if !ok {
			continue
		}
		t, err := b.store.TradeIn(ctx, r.TradeInID)
		if err != nil {
			return TradeIn{}, false, fmt.Errorf("trade-in %s received as %s: %w", r.TradeInID, id.Value, err)
		}
		if t.Status.Open() {
			return t, true, nil
		}
	}
	return TradeIn{}, false, nil
}

// pickTradeIn prefers the trade-in that expects the device now, then one
// that already received it, then the most recently updated: the same phone
// can be traded in more than once over the years.
func pickTradeIn(ts []TradeIn) (TradeIn, bool) {
	if len(ts) == 0 {
		return TradeIn{}, false
	}
	rank := func(t TradeIn) int {
		switch {
		case t.Status.CanBeReceived():
			return 2
		case t.Status.Received():
			return 1
		}
		return 0
	}
	best := ts[0]
	for _, t := range ts[1:] {
		if rank(t) > rank(best) || (rank(t) == rank(best) && t.UpdatedAt.After(best.UpdatedAt)) {
			best = t
		}
	}
	return best, true
}

func imeisOf(ids []Identifier, ts []TradeIn) []string {
	var out []string
	add := func(v string) {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, id := range ids {
		if id.Kind == KindIMEI {
			add(id.Value)
		}
	}
	for _, t := range ts {
		add(t.IMEI)
		add(t.IMEI2)
	}
	return out
}

// NotReceivableError is a receipt for a trade-in that does not expect one.
type NotReceivableError struct {
	Reference string
	Outcome   Outcome
	Status    Status
}

func (e *NotReceivableError) Error() string {
	return fmt.Sprintf("trade-in %s cannot be received: it is %s (status %s)", e.Reference, e.Outcome, e.Status)
}

// Receive records that op physically received the device matched by scan.
// The receipt is durable when Receive returns without error. A device whose
// IMEI's TAC names another model than its trade-in's is refused with a
// *ModelMismatchError: it goes aside for a supervisor. The hub does not
// check TACs (a bench may hold an older catalog than the hub), so it never
// refuses a receipt the bench allowed.
func (b *Bench) Receive(ctx context.Context, op Operator, scan string) (Receipt, error) {
	if err := Authorize(op, ActionReceive); err != nil {
		return Receipt{}, err
	}
	m, err := b.Lookup(ctx, scan)
	if err != nil {
		return Receipt{}, err
	}
	switch m.Outcome {
	case OutcomeMatched:
	case OutcomeModelMismatch:
		return Receipt{}, &ModelMismatchError{Reference: m.TradeIn.Reference, Device: m.TradeIn.Device, TAC: *m.TAC}
	case OutcomeAlreadyReceived:
		if m.Receipt != nil {
			return Receipt{}, &AlreadyReceivedError{Receipt: *m.Receipt}
		}
		fallthrough
	case OutcomeNotAccepted, OutcomeFlagged:
		if m.TradeIn == nil {
			// A flagged device that no trade-in holds: there is nothing to
			// receive it against, and it must not be handed back either.
			return Receipt{}, fmt.Errorf("scan %q cannot be received: the device is %s (%s) and no trade-in holds it: quarantine it",
				scan, m.Flag.Kind, m.Flag.Reason)
		}
		return Receipt{}, &NotReceivableError{Reference: m.TradeIn.Reference, Outcome: m.Outcome, Status: m.TradeIn.Status}
	default:
		return Receipt{}, fmt.Errorf("scan %q cannot be received: %s", scan, m.Outcome)
	}
	t := m.TradeIn
	r := Receipt{TradeInID: t.ID, IMEI: receivedIMEI(m.Identifiers, *t), Operator: op.ID, Bench: b.name, At: b.now().UTC(), EventKey: b.newKey()}
	ev := Event{Key: r.EventKey, Kind: EventReceived, TradeInID: t.ID, Operator: op.ID, Bench: b.name, At: r.At,
		Reason: "device scanned at bench", Payload: r}
	if err := b.store.RecordReceipt(ctx, r, []Event{ev}); err != nil {
		return Receipt{}, fmt.Errorf("record receipt of %s: %w", t.Reference, err)
	}
	return r, nil
}

func (b *Bench) checkEvidence(ctx context.Context, t TradeIn, in Inspection) error {
	if b.evidence == nil || strings.TrimSpace(in.NoPhotoReason) != "" {
		return nil
	}
	photos, err := b.evidence.Photos(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("photos of %s: %w", t.Reference, err)
	}
	if len(photos) == 0 {
		return &PhotosNeededError{Reference: t.Reference}
	}
	return nil
}

func receivedIMEI(ids []Identifier, t TradeIn) string {
	for _, id := range ids {
		if id.Kind == KindIMEI && (id.Value == t.IMEI || id.Value == t.IMEI2) {
			return id.Value
		}
	}
	if t.IMEI != "" {
		return t.IMEI
	}
	return t.Serial
}

// RecordGrading grades a received device, decides on damage on arrival and
// records both. A device worse than disclosed is rerouted to Returns with its
// payout held; the grade is computed, never taken from the caller.
func (b *Bench) RecordGrading(ctx context.Context, op Operator, tradeInID string, in Inspection) (Grading, error) {
	if err := Authorize(op, ActionGrade); err != nil {
		return Grading{}, err
	}
	grade, err := ComputeGrade(in)
	if err != nil {
		return Grading{}, err
	}
	t, err := b.store.TradeIn(ctx, tradeInID)
	if err != nil {
		return Grading{}, fmt.Errorf("grade trade-in %s: %w", tradeInID, err)
	}
	if _, received, err := b.store.LocalReceipt(ctx, tradeInID); err != nil {
		return Grading{}, fmt.Errorf("grade trade-in %s: %w", t.Reference, err)
	} else if !received {
		return Grading{}, fmt.Errorf("trade-in %s has not been received at this bench: receive it before grading", t.Reference)
	}
	decision := DecideOnArrival(t, grade)
	if decision.Reroute {
		if err := Authorize(op, ActionReroute); err != nil {
			return Grading{}, err
		}
		if err := b.checkEvidence(ctx, t, in); err != nil {
			return Grading{}, err
		}
	}
	at := b.now().UTC()
	g := Grading{TradeInID: t.ID, Operator: op.ID, Bench: b.name, At: at, Inspection: in, Grade: grade, Decision: decision, EventKey: b.newKey()}
	events := []Event{{Key: g.EventKey, Kind: EventGraded, TradeInID: t.ID, Operator: op.ID, Bench: b.name, At: at,
		Reason: fmt.Sprintf("graded %s (cosmetic %s, functional %d)", grade.Condition, grade.Cosmetic, grade.Functional), Payload: g}}
	if decision.Reroute {
		events = append(events, Event{Key: b.newKey(), Kind: EventRerouted, TradeInID: t.ID, Operator: op.ID, Bench: b.name, At: at,
			Reason: decision.Reason, Payload: decision})
	}
	if err := b.store.RecordGrading(ctx, g, events); err != nil {
		return Grading{}, fmt.Errorf("record grading of %s: %w", t.Reference, err)
	}
	return g, nil
}
