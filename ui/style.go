package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Colours of a card: go, look closer, stop, and the neutral ready state.
var (
	colourGo    = color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff}
	colourLook  = color.NRGBA{R: 0xb3, G: 0x6b, B: 0x00, A: 0xff}
	colourStop  = color.NRGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
	colourReady = color.NRGBA{R: 0x44, G: 0x4c, B: 0x56, A: 0xff}
)

// result is a kind of thing a scan or a grading comes to. Each has its
// own look, the same on every screen and in the README.
type result int

const (
	resultReady       result = iota // waiting for a scan
	resultMatched                   // a trade-in to receive, or a device graded into stock
	resultReceived                  // this bench or another already has the device
	resultUnknown                   // no trade-in holds the device
	resultFlagged                   // the registry flags the device: stop
	resultMismatch                  // the IMEI names another model than the trade-in
	resultRerouted                  // worse than disclosed: Returns, payout held
	resultQuarantined               // set aside on the quarantine shelf
	resultCaution                   // not accepted yet, not a device identifier
	resultFailed                    // the bench could not do what was asked
)

// A look is how the bench shows a result: a banner colour and an icon, so
// that an operator tells results apart at arm's length, and by shape as
// well as colour (one man in twelve does not tell red from green).
type look struct {
	colour color.NRGBA
	icon   fyne.Resource
}

func (r result) look() look {
	switch r {
	case resultMatched:
		return look{colourGo, theme.ConfirmIcon()}
	case resultReceived:
		return look{color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}, theme.HistoryIcon()}
	case resultUnknown:
		return look{color.NRGBA{R: 0x5e, G: 0x4b, B: 0x9c, A: 0xff}, theme.QuestionIcon()}
	case resultFlagged:
		return look{colourStop, theme.ErrorIcon()}
	case resultMismatch:
		return look{color.NRGBA{R: 0x9c, G: 0x1f, B: 0x6b, A: 0xff}, theme.SearchReplaceIcon()}
	case resultRerouted:
		return look{colourLook, theme.MailReplyIcon()}
	case resultQuarantined:
		return look{color.NRGBA{R: 0x6b, G: 0x4a, B: 0x2b, A: 0xff}, theme.StorageIcon()}
	case resultCaution:
		return look{color.NRGBA{R: 0x7a, G: 0x6a, B: 0x12, A: 0xff}, theme.WarningIcon()}
	case resultFailed:
		return look{colourStop, theme.CancelIcon()}
	}
	return look{colourReady, theme.SearchIcon()}
}

// outcomeResult is the result a match comes to.
func outcomeResult(o intake.Outcome) result {
	switch o {
	case intake.OutcomeMatched:
		return resultMatched
	case intake.OutcomeAlreadyReceived:
		return resultReceived
	case intake.OutcomeUnknown:
		return resultUnknown
	case intake.OutcomeFlagged:
		return resultFlagged
	case intake.OutcomeModelMismatch:
		return resultMismatch
	}
	return resultCaution
}

// OutcomeColour is the colour a match card takes for an outcome.
func OutcomeColour(o intake.Outcome) color.NRGBA { return outcomeResult(o).look().colour }

// card is a coloured banner with a big white headline: the one thing an
// operator must see from arm's length. A result card has the result's
// icon before the headline and a second line under it: what the device
// is, whose it is.
type card struct {
	banner   *canvas.Rectangle
	icon     *widget.Icon // nil on a plain card
	headline *canvas.Text
	subject  *widget.Label // nil on a plain card
	content  fyne.CanvasObject
}

func newCard(colour color.Color, headline string, size float32) *card {
	c := &card{banner: canvas.NewRectangle(colour), headline: canvas.NewText(headline, color.White)}
	c.banner.CornerRadius = theme.Padding() * 2
	c.headline.TextSize = size
	c.headline.TextStyle = fyne.TextStyle{Bold: true}
	c.content = container.NewStack(c.banner, container.NewPadded(c.headline))
	return c
}

// newResultCard is a card that shows results: icon, headline, subject.
func newResultCard(r result, headline string, size float32) *card {
	l := r.look()
	c := &card{banner: canvas.NewRectangle(l.colour), icon: widget.NewIcon(l.icon), headline: canvas.NewText(headline, color.White),
		subject: widget.NewLabel("")}
	c.banner.CornerRadius = theme.Padding() * 2
	c.headline.TextSize = size
	c.headline.TextStyle = fyne.TextStyle{Bold: true}
	c.subject.TextStyle = fyne.TextStyle{Bold: true}
	c.subject.SizeName = theme.SizeNameSubHeadingText
	c.subject.Wrapping = fyne.TextWrapWord
	c.subject.Hide()
	icon := container.New(squareLayout{side: size * 1.2}, c.icon)
	top := container.NewBorder(nil, nil, icon, nil, c.headline)
	// White on the banner whatever the theme: icons and labels take the
	// theme's foreground, which is dark in the light theme.
	c.content = container.NewStack(c.banner, container.NewThemeOverride(container.NewPadded(container.NewVBox(top, c.subject)), onBanner{theme.DefaultTheme()}))
	return c
}

func (c *card) paint(colour color.Color, headline string) {
	c.banner.FillColor = colour
	c.banner.Refresh()
	c.headline.Text = headline
	c.headline.Refresh()
}

// show paints a result card: r's look, the headline and the subject line
// ("" hides it).
func (c *card) show(r result, headline, subject string) {
	l := r.look()
	c.paint(l.colour, headline)
	c.icon.SetResource(l.icon)
	c.subject.SetText(subject)
	if subject == "" {
		c.subject.Hide()
	} else {
		c.subject.Show()
	}
}

// onBanner is the theme inside a coloured banner: white text and icons.
type onBanner struct{ fyne.Theme }

func (t onBanner) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameForeground {
		return color.White
	}
	return t.Theme.Color(n, v)
}

// squareLayout gives its objects a square of side, centred vertically.
type squareLayout struct{ side float32 }

func (l squareLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(fyne.NewSquareSize(l.side))
		o.Move(fyne.NewPos(0, (size.Height-l.side)/2))
	}
}

func (l squareLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSquareSize(l.side) }

// bigButton is a button sized for a gloved finger on a touch screen.
func bigButton(label string, icon fyne.Resource, importance widget.Importance, tapped func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, tapped)
	b.Importance = importance
	return b
}

// tall makes an object at least h high, so it is an easy touch target.
// While the object is hidden it takes no room, so a row of buttons that
// are all hidden leaves no gap on the screen.
func tall(o fyne.CanvasObject, h float32) fyne.CanvasObject {
	return container.New(tallLayout{height: h}, o)
}

type tallLayout struct{ height float32 }

func (l tallLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l tallLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objects {
		if o.Visible() {
			m = m.Max(o.MinSize()).Max(fyne.NewSize(0, l.height))
		}
	}
	return m
}

// touchHeight is the minimum height of the main action buttons.
const touchHeight = 56

// wrapped is a note that wraps to the width it is given.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func bold(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// message is a label for a screen's feedback: errors in red, notes plain.
type message struct{ *widget.Label }

func newMessage() message {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return message{l}
}

func (m message) error(text string) { m.say(widget.DangerImportance, text) }

func (m message) success(text string) { m.say(widget.SuccessImportance, text) }

func (m message) note(text string) { m.say(widget.MediumImportance, text) }

// say shows text; an empty message takes no room on the screen.
func (m message) say(importance widget.Importance, text string) {
	m.Importance = importance
	m.SetText(text)
	if text == "" {
		m.Hide()
	} else {
		m.Show()
	}
}

func (m message) clear() { m.note("") }

func money(c intake.Cents) string { return "$" + c.String() }

func signedMoney(c intake.Cents) string {
	if c < 0 {
		return "−$" + (-c).String()
	}
	return "+$" + c.String()
}
