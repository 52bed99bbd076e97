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

// card is a coloured banner with a big white headline: the one thing an
// operator must see from arm's length.
type card struct {
	banner   *canvas.Rectangle
	headline *canvas.Text
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

func (c *card) paint(colour color.Color, headline string) {
	c.banner.FillColor = colour
	c.banner.Refresh()
	c.headline.Text = headline
	c.headline.Refresh()
}

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
