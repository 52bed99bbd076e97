package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxReasonLen bounds a reason typed at the bench, in bytes. Reasons travel
// to the hub inside events and come back inside trade-ins, where the
// contract refuses longer ones: a bench that recorded one would be stuck.
const MaxReasonLen = 512

// ErrNoReason is a manual step without the operator's reason for the record.
var ErrNoReason = errors.New("a reason is required for the record")

// cleanReason trims a typed reason and refuses one the record cannot hold:
// blank, too long, or with control characters.
func cleanReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", ErrNoReason
	case len(reason) > MaxReasonLen:
		return "", fmt.Errorf("the reason is %d bytes long, at most %d: shorten it", len(reason), MaxReasonLen)
	case !utf8.ValidString(reason):
		return "", errors.New("the reason is not valid text")
	case strings.ContainsFunc(reason, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", errors.New("the reason holds control characters: type it on one line")
	}
	return reason, nil
}

// ValidateHandLink checks a hand link as the bench records it and the hub
// accepts it: a scan holding the device identity received, and a reason.
// receivedAs is the receipt's device identity.
func ValidateHandLink(l HandLink, receivedAs string) error {
	if _, err := cleanReason(l.Reason); err != nil {
		return fmt.Errorf("hand link: %w", err)
	}
	ids := DeviceIdentities(l.Scan)
	if len(ids) == 0 {
		return fmt.Errorf("hand link: the scan %.80q holds no device identifier", l.Scan)
	}
	if !slices.ContainsFunc(ids, func(id Identifier) bool { return id.Value == receivedAs }) {
		return fmt.Errorf("hand link: the device received, %.64q, is not what the scan %.80q reads", receivedAs, l.Scan)
	}
	return nil
}

// DeviceIdentities returns the device identities a scan holds, IMEIs
// first, ignoring what is not one (a box's product barcode) and the parts of
// the scan that are not usable.
func DeviceIdentities(scan string) []Identifier {
	ids, _ := ParseScan(scan)
	ids = slices.DeleteFunc(ids, func(id Identifier) bool { return !id.DeviceIdentity() })
	slices.SortStableFunc(ids, func(a, b Identifier) int {
		switch {
		case a.Kind == KindIMEI && b.Kind != KindIMEI:
			return -1
		case a.Kind != KindIMEI && b.Kind == KindIMEI:
			return 1
		}
		return 0
	})
	return ids
}

// Messages quote at most 80 bytes of a scan (%.80q): they are shown on
// a screen, and a scan may be kilobytes of line noise.

// LinkConflictError is a hand link refused because the device's scan
// names a trade-in after all: the device is not unknown.
type LinkConflictError struct {
	Scan    string
	Picked  TradeIn
	Matched TradeIn
	Outcome Outcome
}

func (e *LinkConflictError) Error() string {
	if e.Matched.ID == e.Picked.ID {
		return fmt.Sprintf("scan %.80q already matches trade-in %s (%s): receive it by its scan, no link by hand is needed",
			e.Scan, e.Picked.Reference, e.Outcome)
	}
	return fmt.Sprintf("scan %.80q belongs to trade-in %s (%s), not %s: the device cannot be linked by hand to another trade-in",
		e.Scan, e.Matched.Reference, e.Outcome, e.Picked.Reference)
}

// ReceiveByTradeIn records that op received a device whose scan matched no
// trade-in against the trade-in op picked by hand (the label is unreadable
// or wrong, the reference is on the packing slip). The same rules as
// Receive hold: the role, a flagged IMEI (of the device or of the trade-in)
// stops it, a trade-in already received or not expecting a device is
// refused with Receive's errors, and so is a device whose IMEI's TAC names
// another model than the trade-in's (*ModelMismatchError). The scan must
// still hold the device's identity, which the receipt records with the scan
// and reason, so that the hub and a supervisor can see the link was made by
// hand.
func (b *Bench) ReceiveByTradeIn(ctx context.Context, op Operator, tradeInID, scan, reason string) (Receipt, error) {
	if err := Authorize(op, ActionReceive); err != nil {
		return Receipt{}, err
	}
	reason, err := cleanReason(reason)
	if err != nil {
		return Receipt{}, fmt.Errorf("link by hand: say why this device belongs to the trade-in: %w", err)
	}
	if strings.TrimSpace(tradeInID) == "" {
		return Receipt{}, errors.New("link by hand: pick the trade-in the device belongs to")
	}
	scan = strings.TrimSpace(scan)
	t, err := b.store.TradeIn(ctx, tradeInID)
	if err != nil {
		return Receipt{}, fmt.Errorf("link by hand to trade-in %s: %w", tradeInID, err)
	}
	m, err := b.Lookup(ctx, scan)
	if err != nil {
		return Receipt{}, err
	}
	switch {
	case m.Outcome == OutcomeInvalid:
		return Receipt{}, fmt.Errorf("scan %.80q cannot be linked by hand: %s. Read the IMEI or serial off the device itself (dial *#06#, or look on the SIM tray) and scan or type it",
			scan, m.Problem)
	case m.Outcome == OutcomeFlagged:
		return Receipt{}, &NotReceivableError{Reference: t.Reference, Outcome: OutcomeFlagged, Status: t.Status}
	case m.Outcome == OutcomeAlreadyReceived && m.Receipt != nil:
		return Receipt{}, &AlreadyReceivedError{Receipt: *m.Receipt}
	case m.TradeIn != nil:
		return Receipt{}, &LinkConflictError{Scan: scan, Picked: t, Matched: *m.TradeIn, Outcome: m.Outcome}
	}
	if err := b.receivable(ctx, t); err != nil {
		return Receipt{}, err
	}
	devices := DeviceIdentities(scan)
	if l, err := b.otherModel(ctx, devices, t.Device); err != nil {
		return Receipt{}, err
	} else if l != nil {
		return Receipt{}, &ModelMismatchError{Reference: t.Reference, Device: t.Device, TAC: *l}
	}
	link := &HandLink{Scan: scan, Identifiers: devices, Reason: reason}
	r := Receipt{TradeInID: t.ID, IMEI: devices[0].Value, Operator: op.ID, Bench: b.name, At: b.now().UTC(), EventKey: b.newKey(), Link: link}
	if err := ValidateHandLink(*link, r.IMEI); err != nil {
		return Receipt{}, err
	}
	ev := Event{Key: r.EventKey, Kind: EventReceived, TradeInID: t.ID, Operator: op.ID, Bench: b.name, At: r.At,
		Reason: fmt.Sprintf("linked by hand (scan %q matched no trade-in): %s", scan, reason), Payload: r}
	if err := b.store.RecordReceipt(ctx, r, []Event{ev}); err != nil {
		return Receipt{}, fmt.Errorf("record receipt of %s: %w", t.Reference, err)
	}
	return r, nil
}

// receivable applies Receive's rules to a trade-in picked by hand rather
// than found by a scan: no flag on its IMEIs, not received yet, and
// expecting its device.
func (b *Bench) receivable(ctx context.Context, t TradeIn) error {
	for _, imei := range imeisOf(nil, []TradeIn{t}) {
		_, flagged, err := b.store.FlagFor(ctx, imei)
		if err != nil {
			return fmt.Errorf("check flags of %s: %w", imei, err)
		}
		if flagged {
			return &NotReceivableError{Reference: t.Reference, Outcome: OutcomeFlagged, Status: t.Status}
		}
	}
	r, received, err := b.store.LocalReceipt(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("check receipt of %s: %w", t.Reference, err)
	}
	switch {
	case received:
		return &AlreadyReceivedError{Receipt: r}
	case t.Status.Received() && t.Receipt != nil:
		return &AlreadyReceivedError{Receipt: *t.Receipt}
	case t.Status.Received():
		return &NotReceivableError{Reference: t.Reference, Outcome: OutcomeAlreadyReceived, Status: t.Status}
	case !t.Status.CanBeReceived():
		return &NotReceivableError{Reference: t.Reference, Outcome: OutcomeNotAccepted, Status: t.Status}
	}
	return nil
}
