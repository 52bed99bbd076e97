// Package ui holds the bench's Fyne screens: layout and display only. Rules
// live in intake, data in store, network in sync.
package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Lookuper resolves a scan to a match; intake.Bench is one.
type Lookuper interface {
	Lookup(ctx context.Context, raw string) (intake.Match, error)
}

// Colours of a match card: go, look closer, stop.
var (
	colourGo    = color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff}
	colourLook  = color.NRGBA{R: 0xb3, G: 0x6b, B: 0x00, A: 0xff}
	colourStop  = color.NRGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
	colourReady = color.NRGBA{R: 0x44, G: 0x4c, B: 0x56, A: 0xff}
)

// OutcomeColour is the colour a match card takes for an outcome: green to
// go on, amber to look closer, red to stop.
func OutcomeColour(o intake.Outcome) color.NRGBA {
	switch o {
	case intake.OutcomeMatched:
		return colourGo
	case intake.OutcomeFlagged:
		return colourStop
	}
	return colourLook
}

// lookupTimeout bounds one lookup; a local SQLite lookup takes well under a
// millisecond, so anything near this means the disk is in trouble.
const lookupTimeout = 5 * time.Second

// ReceiveScreen is the technician's scan prompt and the match it shows.
type ReceiveScreen struct {
	lookup   Lookuper
	entry    *widget.Entry
	banner   *canvas.Rectangle
	headline *canvas.Text
	details  *widget.Label
	content  fyne.CanvasObject
	// shown is called on the UI goroutine after a match is displayed.
	shown func(intake.Match)
}

// NewReceiveScreen builds the screen. shown may be nil.
func NewReceiveScreen(l Lookuper, shown func(intake.Match)) *ReceiveScreen {
	s := &ReceiveScreen{lookup: l, shown: shown}
	s.entry = widget.NewEntry()
	s.entry.SetPlaceHolder("Scan or type an IMEI, MEID or serial, then Enter")
	s.entry.OnSubmitted = s.Submit
	s.banner = canvas.NewRectangle(colourReady)
	s.banner.CornerRadius = theme.Padding() * 2
	s.headline = canvas.NewText("Ready to scan", color.White)
	s.headline.TextSize = 36
	s.headline.TextStyle = fyne.TextStyle{Bold: true}
	s.details = widget.NewLabel("")
	s.details.Wrapping = fyne.TextWrapWord
	title := widget.NewLabelWithStyle("Receive", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	card := container.NewStack(s.banner, container.NewPadded(container.NewVBox(s.headline)))
	s.content = container.NewBorder(
		container.NewVBox(title, s.entry, card),
		nil, nil, nil,
		container.NewVScroll(container.NewVBox(s.details, layout.NewSpacer())),
	)
	return s
}

// Content is the screen's root object.
func (s *ReceiveScreen) Content() fyne.CanvasObject { return s.content }

// Focus gives the scan prompt the keyboard, so a wedge scanner's keystrokes land in it.
func (s *ReceiveScreen) Focus(c fyne.Canvas) { c.Focus(s.entry) }

// Submit looks a scan up off the UI goroutine and shows the match.
func (s *ReceiveScreen) Submit(scan string) {
	if strings.TrimSpace(scan) == "" {
		return
	}
	s.entry.SetText("")
	s.headline.Text = "Looking up…"
	s.headline.Refresh()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		m, err := s.lookup.Lookup(ctx, scan)
		fyne.Do(func() {
			if err != nil {
				s.showError(scan, err)
				return
			}
			s.show(m)
		})
	}()
}

func (s *ReceiveScreen) showError(scan string, err error) {
	s.paint(colourStop, "Lookup failed", fmt.Sprintf("Scan %q could not be looked up: %v\nThe scan was not recorded. Try again; if it keeps failing, call a supervisor.", scan, err))
}

func (s *ReceiveScreen) show(m intake.Match) {
	colour, headline, details := describe(m)
	s.paint(colour, headline, details)
	if s.shown != nil {
		s.shown(m)
	}
}

func (s *ReceiveScreen) paint(c color.Color, headline, details string) {
	s.banner.FillColor = c
	s.banner.Refresh()
	s.headline.Text = headline
	s.headline.Refresh()
	s.details.SetText(details)
}

// Headline is the text of the match card, for tests and accessibility.
func (s *ReceiveScreen) Headline() string { return s.headline.Text }

// Details is the body text under the match card.
func (s *ReceiveScreen) Details() string { return s.details.Text }

// BannerColour is the colour of the match card.
func (s *ReceiveScreen) BannerColour() color.Color { return s.banner.FillColor }

// describe turns a match into the card's colour, headline and details.
func describe(m intake.Match) (color.NRGBA, string, string) {
	var b strings.Builder
	if t := m.TradeIn; t != nil {
		fmt.Fprintf(&b, "%s %s %s", t.Device.Make, t.Device.Model, t.Device.Storage)
		if t.Device.Colour != "" {
			fmt.Fprintf(&b, " · %s", t.Device.Colour)
		}
		if t.Device.Carrier != "" {
			fmt.Fprintf(&b, " · %s", t.Device.Carrier)
		}
		fmt.Fprintf(&b, "\nCustomer: %s\nReference: %s (status %s)\nDisclosed: %s · Offer: $%s\n", t.Customer.Name, t.Reference, t.Status, t.Disclosed, t.Offer)
		for _, a := range t.Answers {
			fmt.Fprintf(&b, "  %s — %s\n", a.Question, a.Answer)
		}
	}
	ids := make([]string, 0, len(m.Identifiers))
	for _, id := range m.Identifiers {
		ids = append(ids, fmt.Sprintf("%s %s", strings.ToUpper(string(id.Kind)), id.Value))
	}
	if len(ids) > 0 {
		fmt.Fprintf(&b, "Scanned: %s\n", strings.Join(ids, ", "))
	}
	if m.Problem != "" {
		fmt.Fprintf(&b, "Problem: %s\n", m.Problem)
	}
	switch m.Outcome {
	case intake.OutcomeMatched:
		return OutcomeColour(m.Outcome), "Match: " + m.TradeIn.Reference, b.String()
	case intake.OutcomeFlagged:
		fmt.Fprintf(&b, "STOP: %s — %s. Do not grade, pay or return this device; set it aside for a supervisor.\n", m.Flag.Kind, m.Flag.Reason)
		return OutcomeColour(m.Outcome), "Stop: " + string(m.Flag.Kind), b.String()
	case intake.OutcomeAlreadyReceived:
		if r := m.Receipt; r != nil {
			fmt.Fprintf(&b, "Received by %s at bench %s on %s\n", r.Operator, r.Bench, r.At.Local().Format("2006-01-02 15:04"))
		}
		return OutcomeColour(m.Outcome), "Already received", b.String()
	case intake.OutcomeNotAccepted:
		return OutcomeColour(m.Outcome), "Not accepted yet", b.String()
	case intake.OutcomeUnknown:
		b.WriteString("No trade-in holds this device. Search by customer, reference or tracking number, or set it aside in quarantine.\n")
		return OutcomeColour(m.Outcome), "Unknown device", b.String()
	default:
		return OutcomeColour(m.Outcome), "Not a device identifier", b.String()
	}
}

// SetHint shows text under the card until the first scan.
func (s *ReceiveScreen) SetHint(text string) { s.details.SetText(text) }
