package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/linktoken"
)

// step is one line of the buyer's status page.
type step struct {
	Name   string
	Done   bool
	When   time.Time
	Detail string
	Link   string // a shipping label
}

type statusPageData struct {
	Reference string
	Device    string
	Status    intake.Status
	Declined  bool
	New       bool
	Steps     []step
}

func (statusPageData) title() string { return "Your trade-in" }

// statusPage shows a buyer their trade-in, by the signed link they were
// given when they submitted it: offer, shipping, received, graded, paid.
func (s *Site) statusPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.links.Verify(r.PathValue("token"), statusPurpose, s.now())
	if err != nil {
		msg := "This link is not one we gave, or it was changed: open it as it was given."
		if errors.Is(err, linktoken.ErrExpired) {
			msg = "This status link has expired."
		}
		s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "This link cannot be used", Message: msg})
		return
	}
	v, err := s.hub.Submission(r.Context(), "", c.Subject)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "status", statusOf(v, r.URL.Query().Get("new") == "1"))
}

func statusOf(v hub.SubmissionView, isNew bool) statusPageData {
	t := v.TradeIn
	p := statusPageData{Reference: t.Reference, Device: t.Device.Make + " " + t.Device.Model + " " + t.Device.Storage,
		Status: t.Status, Declined: t.Status == intake.StatusDeclined, New: isNew}
	reached := map[intake.Status]time.Time{}
	for _, h := range v.History {
		if h.From == h.To && h.From != "" {
			continue // a note on a status (a label voided), not a move to it
		}
		reached[h.To] = h.At
	}
	at := func(st intake.Status) (time.Time, bool) { when, ok := reached[st]; return when, ok }

	sub := step{Name: "Submitted", Detail: "We check your answers and the IMEI, then e-mail you an offer."}
	sub.When, sub.Done = at(intake.StatusSubmitted)
	offer := step{Name: "Offer"}
	if n := len(v.Offers); n > 0 {
		o := v.Offers[n-1]
		offer.Done, offer.When = true, o.CreatedAt
		amount := "$" + intake.Cents(o.Amount).String()
		switch o.Status {
		case "open":
			offer.Detail = "We offer " + amount + ", until " + o.ExpiresAt.UTC().Format("2 Jan 2006") + ". Accept or decline it with the links in our e-mail."
		case "accepted":
			offer.Detail = "You accepted " + amount + "."
		case "declined":
			offer.Detail = "You declined " + amount + "."
		case "superseded":
			// The last offer superseded by no other: staff withdrew it
			// when they declined the trade-in.
			offer.Detail = "We withdrew our offer of " + amount + "."
		default:
			offer.Detail = amount + " (" + o.Status + ")."
		}
	}
	ship := step{Name: "Shipping"}
	if a := v.Shipment; a != nil {
		ship.Done = true
		if a.LabelURL != "" {
			ship.Detail, ship.Link = "Print your shipping label and send the phone. Tracking number "+a.TrackingNumber+".", a.LabelURL
		} else {
			ship.Detail = a.Instructions
		}
	}
	if when, ok := at(intake.StatusShipped); ok {
		ship.Done, ship.When = true, when
		if t.Tracking != "" && ship.Detail == "" {
			ship.Detail = "On its way: tracking number " + t.Tracking + "."
		}
	}
	recv := step{Name: "Received"}
	recv.When, recv.Done = at(intake.StatusReceived)
	if recv.Done {
		recv.Detail = "Your phone arrived."
	}
	graded := step{Name: "Graded"}
	graded.When, graded.Done = at(intake.StatusInspected)
	if graded.Done {
		graded.Detail = "We checked your phone."
		if v.Payout.State == intake.PayoutHeld {
			graded.Detail = "Your phone arrived in a worse condition than described: a supervisor is reviewing it, and we will contact you."
		}
	}
	paid := step{Name: "Paid"}
	switch v.Payout.State {
	case intake.PayoutSettled:
		paid.Done, paid.Detail = true, "We paid you $"+v.Payout.Amount.String()+" by "+string(v.Payout.Method)+"."
	case intake.PayoutDue:
		paid.Detail = "$" + v.Payout.Amount.String() + " is on its way to you by " + string(v.Payout.Method) + "."
	}
	p.Steps = []step{sub, offer, ship, recv, graded, paid}
	if p.Declined {
		d := step{Name: "Declined", Done: true}
		d.When, _ = at(intake.StatusDeclined)
		for _, h := range v.History {
			if h.To == intake.StatusDeclined && h.From != h.To {
				d.Detail = h.Reason
			}
		}
		p.Steps = append(p.Steps, d)
	}
	return p
}
