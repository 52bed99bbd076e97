package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Action is one of the showing screen's main buttons and where it is, so
// a test in a real window can tell that nothing a person needs is cut off.
type Action struct {
	Label    string
	Position fyne.Position // from the window's top left corner
	Size     fyne.Size
	// OnScreen is true when the whole button is inside the window and
	// inside the part of its scroll area that shows.
	OnScreen bool
}

// action is a main button of a screen, and the scroll area it sits in, if
// any: a button scrolled away is as hidden as one past the window's edge.
type action struct {
	button *widget.Button
	clip   fyne.CanvasObject
}

// actions lists the buttons that are visible (not hidden) among bs.
func actions(clip fyne.CanvasObject, bs ...*widget.Button) []action {
	var out []action
	for _, b := range bs {
		if b != nil && b.Visible() {
			out = append(out, action{button: b, clip: clip})
		}
	}
	return out
}

// Actions lists the main buttons of the screen showing now. Call it on the
// UI goroutine once the shell is the window's content.
func (s *Shell) Actions() []Action {
	w := s.deps.Window
	if w == nil {
		return nil
	}
	var as []action
	switch sel := s.tabs.Selected(); {
	case s.op == nil:
		as = s.login.actions()
	case sel == s.items[TabReceive] && s.flow.grading():
		as = s.flow.grade.actions()
	case sel == s.items[TabReceive]:
		as = s.flow.receive.actions()
	case s.walkIn != nil && sel == s.items[TabWalkIn]:
		as = s.walkIn.actions()
	case s.review != nil && sel == s.items[TabReview]:
		as = s.review.actions()
	case s.stats != nil && sel == s.items[TabStats]:
		as = s.stats.actions()
	case sel == s.items[TabSettings]:
		as = s.settings.actions()
	}
	d := fyne.CurrentApp().Driver()
	canvas := fyne.NewPos(0, 0)
	out := make([]Action, 0, len(as))
	for _, a := range as {
		pos, size := d.AbsolutePositionForObject(a.button), a.button.Size()
		on := size.Width > 0 && size.Height > 0 && inside(pos, size, canvas, w.Canvas().Size())
		if a.clip != nil {
			on = on && inside(pos, size, d.AbsolutePositionForObject(a.clip), a.clip.Size())
		}
		out = append(out, Action{Label: a.button.Text, Position: pos, Size: size, OnScreen: on})
	}
	return out
}

// inside reports whether the rectangle at pos of size lies within the one
// at area of areaSize, give or take half a pixel of rounding.
func inside(pos fyne.Position, size fyne.Size, area fyne.Position, areaSize fyne.Size) bool {
	const slack = 0.5
	return pos.X >= area.X-slack && pos.Y >= area.Y-slack &&
		pos.X+size.Width <= area.X+areaSize.Width+slack && pos.Y+size.Height <= area.Y+areaSize.Height+slack
}
