package mail

import (
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// Quote is an offer for a customer's device, sent by e-mail with a link to
// accept it and one to decline it.
type Quote struct {
	To           string // the customer's address
	CustomerName string // may be empty
	Reference    string // the trade-in's reference, e.g. TI-2026-000123
	Device       string // e.g. "Apple iPhone 13 128GB"
	Amount       intake.Cents
	Notes        string // what the grader wants the customer to know; may be empty
	ExpiresAt    time.Time
	AcceptURL    string // absolute http(s) URLs, signed (package linktoken)
	DeclineURL   string
	Business     string // who makes the offer and signs the mail
}

// Shipment is what the customer does after accepting: send the device
// with a prepaid label (TrackingNumber and LabelURL), or hand it over as
// Instructions say (a pickup, a drop-off). Exactly one of the two.
type Shipment struct {
	To             string
	CustomerName   string // may be empty
	Reference      string
	TrackingNumber string
	LabelURL       string
	Instructions   string
	Business       string // signs the mail; may be empty
}

// expiryLayout spells out the day, so "6/7" is never read the wrong way
// round; the zone is the one ExpiresAt carries.
const expiryLayout = "Monday 2 January 2006, 15:04 MST"

// QuoteMessage writes the e-mail of q.
func QuoteMessage(q Quote) (Message, error) {
	to, err := recipient(q.CustomerName, q.To)
	if err != nil {
		return Message{}, err
	}
	if err := required("reference", q.Reference, "device", q.Device, "business", q.Business); err != nil {
		return Message{}, err
	}
	if err := intake.CheckAmount(q.Amount); err != nil {
		return Message{}, fmt.Errorf("%w: amount: %w", ErrInvalidMessage, err)
	}
	if q.ExpiresAt.IsZero() {
		return Message{}, fmt.Errorf("%w: the offer has no expiry", ErrInvalidMessage)
	}
	if err := checkURL("accept URL", q.AcceptURL); err != nil {
		return Message{}, err
	}
	if err := checkURL("decline URL", q.DeclineURL); err != nil {
		return Message{}, err
	}
	v := quoteView{
		Name: q.CustomerName, Reference: q.Reference, Device: q.Device,
		Amount: dollars(q.Amount), Notes: strings.TrimSpace(q.Notes),
		Expires: q.ExpiresAt.Format(expiryLayout), AcceptURL: q.AcceptURL,
		DeclineURL: q.DeclineURL, Business: q.Business,
	}
	v.Subject = fmt.Sprintf("Your trade-in offer: %s for your %s (%s)", v.Amount, v.Device, v.Reference)
	return render(to, v.Subject, quoteText, quoteHTML, v)
}

// ShippingMessage writes the e-mail that tells the customer how to get
// the device to the business once the offer is accepted.
func ShippingMessage(s Shipment) (Message, error) {
	to, err := recipient(s.CustomerName, s.To)
	if err != nil {
		return Message{}, err
	}
	if err := required("reference", s.Reference); err != nil {
		return Message{}, err
	}
	label := s.TrackingNumber != "" || s.LabelURL != ""
	pickup := strings.TrimSpace(s.Instructions) != ""
	switch {
	case label && pickup:
		return Message{}, fmt.Errorf("%w: a shipment has a label or instructions, not both", ErrInvalidMessage)
	case !label && !pickup:
		return Message{}, fmt.Errorf("%w: a shipment needs a label or instructions", ErrInvalidMessage)
	case label:
		if err := required("tracking number", s.TrackingNumber); err != nil {
			return Message{}, err
		}
		if err := checkURL("label URL", s.LabelURL); err != nil {
			return Message{}, err
		}
	}
	v := shipmentView{
		Name: s.CustomerName, Reference: s.Reference, TrackingNumber: s.TrackingNumber,
		LabelURL: s.LabelURL, Instructions: strings.TrimSpace(s.Instructions), Business: s.Business,
	}
	if label {
		v.Subject = fmt.Sprintf("Your shipping label for trade-in %s", s.Reference)
	} else {
		v.Subject = fmt.Sprintf("How to hand over your device for trade-in %s", s.Reference)
	}
	return render(to, v.Subject, shipmentText, shipmentHTML, v)
}

type quoteView struct {
	Subject, Name, Reference, Device, Amount, Notes, Expires string
	AcceptURL, DeclineURL, Business                          string
}

type shipmentView struct {
	Subject, Name, Reference, TrackingNumber, LabelURL, Instructions, Business string
}

func render(to, subject string, text *texttemplate.Template, html *htmltemplate.Template, v any) (Message, error) {
	var t, h strings.Builder
	if err := text.Execute(&t, v); err != nil {
		return Message{}, fmt.Errorf("mail: %s: %w", text.Name(), err)
	}
	if err := html.Execute(&h, v); err != nil {
		return Message{}, fmt.Errorf("mail: %s: %w", html.Name(), err)
	}
	return Message{To: to, Subject: subject, Text: t.String(), HTML: h.String()}, nil
}

// required takes pairs of a field's name and value and names, in order,
// those left blank.
func required(pairs ...string) error {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			missing = append(missing, pairs[i])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: no %s", ErrInvalidMessage, strings.Join(missing, ", "))
	}
	return nil
}

// checkURL wants an absolute http or https URL with nothing a mail client
// would cut it at: a customer clicks it, so it must not be javascript: or
// a relative path that means nothing in an e-mail.
func checkURL(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w: no %s", ErrInvalidMessage, what)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("%w: %s contains a space or control character", ErrInvalidMessage, what)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidMessage, what, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: %s %q is not an absolute http(s) URL", ErrInvalidMessage, what, s)
	}
	return nil
}

// dollars writes c as a customer reads it: "$1,250.00".
func dollars(c intake.Cents) string {
	whole, frac, _ := strings.Cut(c.String(), ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	var b strings.Builder
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	return sign + "$" + b.String() + "." + frac
}
