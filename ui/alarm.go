package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ScreenAlarm is the name OnScreen-style reports give the alarm screen.
const ScreenAlarm = "Alarm"

// Alarm is what the alarm screen says when the bench must not be used: what
// happened and to which file. What to do is the same every time.
type Alarm struct {
	Headline string // defaults to "Stop: this bench's database is damaged"
	What     string // what was found, as the error says it
	File     string // the database file
}

// alarmSteps are what the alarm screen asks of whoever is at the bench.
func alarmSteps() []string {
	return []string{
		"Stop using this bench. Scanning is off: nothing scanned here is recorded.",
		"Call a supervisor. Put the devices on the bench aside, with their boxes, for another bench.",
		"Leave the database file as it is: do not delete, move or copy over it. It may hold receipts the hub has not yet received.",
	}
}

// AlarmScreen stands in for the whole app when the bench found its own data
// damaged: no login, no tabs, no scan prompt, only what happened and what
// to do.
type AlarmScreen struct {
	details *widget.Label
	file    *widget.Label
	copy    *widget.Button
	quit    *widget.Button
	content fyne.CanvasObject
}

// NewAlarmScreen builds the screen; quit, if not nil, gets a button.
func NewAlarmScreen(a Alarm, quit func()) *AlarmScreen {
	if a.Headline == "" {
		a.Headline = "Stop: this bench's database is damaged"
	}
	s := &AlarmScreen{details: widget.NewLabel(a.What), file: widget.NewLabel(a.File)}
	s.details.Wrapping = fyne.TextWrapWord
	s.file.Wrapping = fyne.TextWrapBreak
	s.file.TextStyle = fyne.TextStyle{Monospace: true}
	steps := container.NewVBox()
	for i, step := range alarmSteps() {
		l := widget.NewLabel(string(rune('1'+i)) + ". " + step)
		l.Wrapping = fyne.TextWrapWord
		steps.Add(l)
	}
	// The supervisor pastes the details into a ticket rather than copying
	// a path off the screen by hand.
	s.copy = widget.NewButtonWithIcon("Copy the details", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(s.Text())
	})
	buttons := container.NewHBox(s.copy)
	if quit != nil {
		s.quit = widget.NewButtonWithIcon("Close the app", theme.LogoutIcon(), quit)
		buttons.Add(s.quit)
	}
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		newCard(colourStop, a.Headline, 28).content,
		widget.NewCard("What to do", "", steps),
		widget.NewCard("What happened", "", s.details),
		widget.NewCard("The database file", "", s.file),
		buttons,
	)))
	return s
}

// Content is the screen's root object: set it as the window's content.
func (s *AlarmScreen) Content() fyne.CanvasObject { return s.content }

// Text is everything the screen says, as plain text.
func (s *AlarmScreen) Text() string {
	var b strings.Builder
	b.WriteString("What happened: " + s.details.Text + "\nThe database file: " + s.file.Text + "\nWhat to do:\n")
	for i, step := range alarmSteps() {
		b.WriteString(string(rune('1'+i)) + ". " + step + "\n")
	}
	return b.String()
}
