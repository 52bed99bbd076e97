package mail

import (
	"fmt"
	"strings"
)

// Decline tells a customer that their trade-in is declined, why, and what
// becomes of the device: one that reached the business is sent back; one
// that did not is not to be sent, and its prepaid label, if it had one,
// is cancelled.
type Decline struct {
	To           string
	CustomerName string // may be empty
	Reference    string
	Device       string // e.g. "Apple iPhone 13 128GB"; may be empty
	Reason       string // as the customer reads it: a decline reason's label, and notes
	// Received is a device that reached the business: it is being
	// returned, by post to ReturnAddress (its lines) when there is one,
	// else the business gets in touch to arrange it.
	Received      bool
	ReturnAddress []string
	// LabelCancelled is a device not received whose prepaid shipping
	// label is cancelled.
	LabelCancelled bool
	Business       string // signs the mail; may be empty
}

// DeclineMessage writes the e-mail of d.
func DeclineMessage(d Decline) (Message, error) {
	to, err := recipient(d.CustomerName, d.To)
	if err != nil {
		return Message{}, err
	}
	if err := required("reference", d.Reference, "reason", d.Reason); err != nil {
		return Message{}, err
	}
	var lines []string
	for _, l := range d.ReturnAddress {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	switch {
	case d.Received && d.LabelCancelled:
		return Message{}, fmt.Errorf("%w: a device received has no label to cancel", ErrInvalidMessage)
	case !d.Received && len(lines) > 0:
		return Message{}, fmt.Errorf("%w: a device not received is not returned to an address", ErrInvalidMessage)
	}
	v := declineView{
		Name: d.CustomerName, Reference: d.Reference, Device: strings.TrimSpace(d.Device), Reason: strings.TrimSpace(d.Reason),
		Received: d.Received, ReturnAddress: lines, LabelCancelled: d.LabelCancelled, Business: d.Business,
	}
	v.Subject = fmt.Sprintf("Your trade-in %s has been declined", d.Reference)
	return render(to, v.Subject, declineText, declineHTML, v)
}

type declineView struct {
	Subject, Name, Reference, Device, Reason string
	Received                                 bool
	ReturnAddress                            []string
	LabelCancelled                           bool
	Business                                 string
}
