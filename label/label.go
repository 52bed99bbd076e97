// Package label lays out the label of a received, rerouted or quarantined
// unit once, as elements placed in printer dots, and turns that one layout
// into ZPL II for a Zebra printer and into a picture for the screen, so
// the preview shows what prints.
package label

import (
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// Destination is the shelf a labelled unit goes to.
type Destination string

const (
	ToGrading    Destination = "GRADING"    // received, not graded yet
	ToStock      Destination = "STOCK"      // graded, paid as offered
	ToReturns    Destination = "RETURNS"    // worse than disclosed: payout held
	ToReview     Destination = "REVIEW"     // a supervisor asked for more photos
	ToQuarantine Destination = "QUARANTINE" // no trade-in holds it, or flagged
)

// Unit is what a unit's label says.
type Unit struct {
	ID          string        `json:"id"`                  // intake.UnitIDFor its receipt or quarantine key
	Reference   string        `json:"reference,omitempty"` // the trade-in's; none for a quarantined device
	IMEI        string        `json:"imei"`
	Device      intake.Device `json:"device"`
	Grade       string        `json:"grade,omitempty"`
	Destination Destination   `json:"destination"`
	At          time.Time     `json:"at"`
	Bench       string        `json:"bench"`
}

// FromReceipt is the label of a trade-in's unit as it stands: received
// (off to grading), graded, rerouted or decided by a supervisor. g is its
// latest grading, nil before grading.
func FromReceipt(t intake.TradeIn, r intake.Receipt, g *intake.Grading, state intake.UnitState) Unit {
	u := Unit{ID: intake.UnitIDFor(r.EventKey), Reference: t.Reference, IMEI: r.IMEI, Device: t.Device,
		Destination: ToGrading, At: r.At, Bench: r.Bench}
	if g != nil {
		u.Grade = GradeText(g.Grade)
		u.Destination = ToStock
		if g.Decision.Reroute {
			u.Destination = ToReturns
		}
	} else if t.Reference != "" && strings.HasPrefix(t.Reference, "WI-") {
		// A walk-in is bought at the counter on the customer's answers and
		// goes to stock; its grade is the condition they disclosed.
		u.Grade, u.Destination = "disclosed "+t.Disclosed.String(), ToStock
	}
	switch state {
	case intake.UnitRerouted, intake.UnitCounterOffered, intake.UnitDeclined:
		u.Destination = ToReturns
	case intake.UnitPhotosRequested:
		u.Destination = ToReview
	case intake.UnitAccepted:
		u.Destination = ToStock
	}
	return u
}

// FromQuarantine is the shelf label of a device set aside because no
// trade-in holds it (or the registry flags it): it shows the device's
// first IMEI, or its first identity when it has none.
func FromQuarantine(q intake.QuarantinedDevice) Unit {
	u := Unit{ID: intake.UnitIDFor(q.EventKey), Destination: ToQuarantine, At: q.At, Bench: q.Bench}
	for _, id := range q.Identifiers {
		if id.Kind == intake.KindIMEI {
			u.IMEI = id.Value
			break
		}
		if u.IMEI == "" {
			u.IMEI = id.Value
		}
	}
	if q.Flag != nil {
		u.Grade = string(q.Flag.Kind)
	}
	return u
}

// GradeText is a grade as a label prints it: cosmetic grade, functional
// grade and the condition it prices as.
func GradeText(g intake.Grade) string {
	s := fmt.Sprintf("%s/F%d %s", g.Cosmetic, g.Functional, g.Condition)
	if g.Locked {
		s += " LOCKED"
	}
	return s
}

// Size is a label stock.
type Size struct {
	Name          string  // as settings and the command line name it
	Width, Height float64 // inches
}

// The label stocks a bench has.
var (
	Size2x1 = Size{Name: "2x1", Width: 2, Height: 1}
	Size4x2 = Size{Name: "4x2", Width: 4, Height: 2}
)

// Spec is a label stock on a printer of some resolution.
type Spec struct {
	Size Size
	DPI  int // 203 or 300
}

// ParseSpec reads a size and resolution as settings store them, e.g.
// "2x1" and "203".
func ParseSpec(size string, dpi int) (Spec, error) {
	var s Spec
	switch size {
	case Size2x1.Name:
		s.Size = Size2x1
	case Size4x2.Name:
		s.Size = Size4x2
	default:
		return Spec{}, fmt.Errorf("label size %q: want 2x1 or 4x2", size)
	}
	if dpi != 203 && dpi != 300 {
		return Spec{}, fmt.Errorf("label printer resolution %d dpi: want 203 or 300", dpi)
	}
	s.DPI = dpi
	return s, nil
}

func (s Spec) String() string { return fmt.Sprintf("%s in at %d dpi", s.Size.Name, s.DPI) }

// dots converts inches to printer dots.
func (s Spec) dots(in float64) int { return int(in*float64(s.DPI) + 0.5) }
