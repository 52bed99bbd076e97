package intake

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// WalkInDevice is what the bench knows of a walk-in's IMEI before it is
// quoted: the models the catalog lists its TAC for. The counter checks it
// when the IMEI is scanned, so that a device of another model, or one
// already in a trade-in, is turned away before the customer is quoted,
// not at Accept.
type WalkInDevice struct {
	IMEI string `json:"imei"`
	// TAC is the IMEI's TAC and the models the catalog lists it for; no
	// models when the catalog does not know the TAC (TAC lists are never
	// complete: that is no mismatch).
	TAC TACLookup `json:"tac"`
}

// Mismatch is the refusal to quote this device as d: nil when d's model
// is one the TAC names, when the catalog does not know the TAC, or when d
// names no model yet.
func (w WalkInDevice) Mismatch(d Device) *WalkInModelError {
	if strings.TrimSpace(d.Model) == "" || len(w.TAC.Models) == 0 ||
		slices.ContainsFunc(w.TAC.Models, func(m DeviceModel) bool { return m.Names(d) }) {
		return nil
	}
	return &WalkInModelError{Picked: DeviceModel{Make: d.Make, Model: d.Model}, TAC: w.TAC}
}

// Model is the one model the TAC names, so the counter can pick it for
// the clerk; false when the TAC names none or several.
func (w WalkInDevice) Model() (DeviceModel, bool) {
	if len(w.TAC.Models) != 1 {
		return DeviceModel{}, false
	}
	return w.TAC.Models[0], true
}

// WalkInTakenError stops a walk-in of a device that already belongs to a
// trade-in in progress: bought here already, or expected in the post. A
// phone cannot be bought twice.
type WalkInTakenError struct {
	IMEI    string
	TradeIn TradeIn
	// Receipt is this bench's receipt of the device, when this bench
	// received it.
	Receipt *Receipt
}

func (e *WalkInTakenError) Error() string {
	if r := e.Receipt; r != nil {
		return fmt.Sprintf("IMEI %s was already received at this bench as trade-in %s on %s by %s",
			e.IMEI, e.TradeIn.Reference, r.At.Local().Format("2006-01-02 15:04"), r.Operator)
	}
	return fmt.Sprintf("IMEI %s already belongs to trade-in %s (%s)", e.IMEI, e.TradeIn.Reference, e.TradeIn.Status)
}

// CheckWalkInIMEI reads the one IMEI in raw and says what the bench knows
// of it before a quote: a *WalkInTakenError when a trade-in in progress
// holds it (received at this bench or not), otherwise the models its TAC
// names, for WalkInDevice.Mismatch against the model picked. It changes
// nothing; the registry's flags are the IMEI check's business.
func (b *Bench) CheckWalkInIMEI(ctx context.Context, raw string) (WalkInDevice, error) {
	imei, err := SingleIMEI(raw)
	if err != nil {
		return WalkInDevice{}, err
	}
	return b.walkInDevice(ctx, b.store, imei)
}

func (b *Bench) walkInDevice(ctx context.Context, st BenchStore, imei string) (WalkInDevice, error) {
	ts, err := st.TradeInsByIdentifier(ctx, Identifier{Kind: KindIMEI, Value: imei})
	if err != nil {
		return WalkInDevice{}, fmt.Errorf("look up IMEI %s: %w", imei, err)
	}
	if r, ok, err := st.LocalReceiptByDevice(ctx, imei); err != nil {
		return WalkInDevice{}, err
	} else if ok && !slices.ContainsFunc(ts, func(t TradeIn) bool { return t.ID == r.TradeInID }) {
		// Linked by hand: no trade-in knows the device by this IMEI.
		t, err := st.TradeIn(ctx, r.TradeInID)
		if err != nil {
			return WalkInDevice{}, fmt.Errorf("trade-in %s received as %s: %w", r.TradeInID, imei, err)
		}
		ts = append(ts, t)
	}
	for _, t := range ts {
		if !t.Status.Open() {
			continue
		}
		taken := &WalkInTakenError{IMEI: imei, TradeIn: t}
		r, here, err := st.LocalReceipt(ctx, t.ID)
		if err != nil {
			return WalkInDevice{}, fmt.Errorf("check receipt of %s: %w", t.Reference, err)
		}
		if here {
			taken.Receipt = &r
		}
		return WalkInDevice{}, taken
	}
	d := WalkInDevice{IMEI: imei, TAC: TACLookup{IMEI: imei, TAC: TACOf(imei)}}
	if d.TAC.Models, err = st.ModelsByTAC(ctx, d.TAC.TAC); err != nil {
		return WalkInDevice{}, fmt.Errorf("look up TAC %s: %w", d.TAC.TAC, err)
	}
	return d, nil
}
