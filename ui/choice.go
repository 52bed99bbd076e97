package ui

import (
	"fmt"
	"image/color"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// choice is one checklist question answered by picking one of a few
// options: with the mouse, or from the keyboard, where the digit keys pick
// (1 the first option) and the focus then moves on by itself, Left and
// Right change the pick, and Enter moves on without changing it. It takes
// the keyboard as one widget, so Tab steps from question to question, not
// from option to option as radio buttons do, and its keystrokes pass the
// scan filter like a text field's: a scan while it has focus is a scan.
type choice struct {
	widget.BaseWidget
	options []string
	cells   []*choiceCell
	row     *fyne.Container
	focus   *canvas.Rectangle
	keys    Keystrokes

	// Selected is the picked option, "" for none.
	Selected string
	// OnChanged is called after every change of Selected.
	OnChanged func(string)
	// onPicked is called after a pick from the keyboard, to move on.
	onPicked func()
}

func newChoice(env Env, options []string, changed func(string)) *choice {
	c := &choice{options: options, OnChanged: changed, row: container.NewHBox()}
	c.focus = canvas.NewRectangle(color.Transparent)
	c.focus.StrokeWidth = 2
	c.focus.CornerRadius = theme.InputRadiusSize()
	for i, o := range options {
		label := o
		if i < 9 {
			label = fmt.Sprintf("%d %s", i+1, o)
		}
		cell := newChoiceCell(label, func() { c.SetSelected(o) })
		c.cells = append(c.cells, cell)
		c.row.Add(cell)
	}
	c.ExtendBaseWidget(c)
	if env.Keys != nil {
		c.keys = env.Keys.Filter(c.typedRune, c.typedKey)
	}
	return c
}

// SetSelected picks option o ("" picks none).
func (c *choice) SetSelected(o string) {
	if o != "" && !slices.Contains(c.options, o) {
		return
	}
	changed := c.Selected != o
	c.Selected = o
	for i, cell := range c.cells {
		cell.setSelected(c.options[i] == o)
	}
	if changed && c.OnChanged != nil {
		c.OnChanged(o)
	}
}

// CreateRenderer implements fyne.Widget.
func (c *choice) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.focus, container.New(&insetLayout{inset: 3}, c.row)))
}

// FocusGained implements fyne.Focusable.
func (c *choice) FocusGained() {
	c.focus.StrokeColor = theme.Color(theme.ColorNameFocus)
	c.focus.Refresh()
}

// FocusLost implements fyne.Focusable.
func (c *choice) FocusLost() {
	c.focus.StrokeColor = color.Transparent
	c.focus.Refresh()
}

// TypedRune implements fyne.Focusable.
func (c *choice) TypedRune(r rune) {
	if c.keys != nil {
		c.keys.TypedRune(r)
		return
	}
	c.typedRune(r)
}

// TypedKey implements fyne.Focusable.
func (c *choice) TypedKey(ev *fyne.KeyEvent) {
	if c.keys != nil {
		c.keys.TypedKey(ev)
		return
	}
	c.typedKey(ev)
}

func (c *choice) typedRune(r rune) {
	// The filter hands a key on a few milliseconds late; on a busy bench
	// the keyboard may have moved on to the next question by then, and
	// the key is meant for the question the person sees highlighted.
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c); cv != nil {
		if other, ok := cv.Focused().(*choice); ok && other != c {
			other.typedRune(r)
			return
		}
	}
	i := int(r - '1')
	if i < 0 || i >= len(c.options) || i > 8 {
		return
	}
	c.SetSelected(c.options[i])
	if c.onPicked != nil {
		c.onPicked()
	}
}

func (c *choice) typedKey(ev *fyne.KeyEvent) {
	i := slices.Index(c.options, c.Selected)
	switch ev.Name {
	case fyne.KeyRight:
		c.SetSelected(c.options[min(i+1, len(c.options)-1)])
	case fyne.KeyLeft:
		c.SetSelected(c.options[max(i-1, 0)])
	case fyne.KeyReturn, fyne.KeyEnter:
		if c.onPicked != nil {
			c.onPicked()
		}
	}
}

// choiceCell is one option of a choice: it is tapped, never focused.
type choiceCell struct {
	widget.BaseWidget
	bg       *canvas.Rectangle
	text     *canvas.Text
	selected bool
	tapped   func()
}

func newChoiceCell(label string, tapped func()) *choiceCell {
	c := &choiceCell{bg: canvas.NewRectangle(theme.Color(theme.ColorNameButton)), tapped: tapped,
		text: canvas.NewText(label, theme.Color(theme.ColorNameForeground))}
	c.bg.CornerRadius = theme.InputRadiusSize()
	c.text.Alignment = fyne.TextAlignCenter
	c.ExtendBaseWidget(c)
	return c
}

func (c *choiceCell) setSelected(on bool) {
	c.selected = on
	c.Refresh()
}

// Tapped implements fyne.Tappable.
func (c *choiceCell) Tapped(*fyne.PointEvent) {
	if c.tapped != nil {
		c.tapped()
	}
}

// Cursor implements desktop.Cursorable: a pointer says it can be clicked.
func (c *choiceCell) Cursor() desktop.Cursor { return desktop.PointerCursor }

// CreateRenderer implements fyne.Widget.
func (c *choiceCell) CreateRenderer() fyne.WidgetRenderer {
	return &choiceCellRenderer{c: c}
}

type choiceCellRenderer struct{ c *choiceCell }

// choiceCellHeight fits a finger and keeps nine questions on one screen.
const choiceCellHeight = 32

func (r *choiceCellRenderer) Layout(size fyne.Size) {
	r.c.bg.Resize(size)
	ts := r.c.text.MinSize()
	r.c.text.Move(fyne.NewPos(0, (size.Height-ts.Height)/2))
	r.c.text.Resize(fyne.NewSize(size.Width, ts.Height))
}

func (r *choiceCellRenderer) MinSize() fyne.Size {
	ts := r.c.text.MinSize()
	return fyne.NewSize(ts.Width+2*theme.Padding(), max(ts.Height+theme.Padding(), choiceCellHeight))
}

func (r *choiceCellRenderer) Refresh() {
	if r.c.selected {
		r.c.bg.FillColor = theme.Color(theme.ColorNamePrimary)
		r.c.text.Color = theme.Color(theme.ColorNameForegroundOnPrimary)
		r.c.text.TextStyle.Bold = true
	} else {
		r.c.bg.FillColor = theme.Color(theme.ColorNameButton)
		r.c.text.Color = theme.Color(theme.ColorNameForeground)
		r.c.text.TextStyle.Bold = false
	}
	r.c.bg.Refresh()
	r.c.text.Refresh()
}

func (r *choiceCellRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.c.bg, r.c.text}
}

func (r *choiceCellRenderer) Destroy() {}

// insetLayout lays one object out inside a margin, leaving room for a
// focus outline drawn around it.
type insetLayout struct{ inset float32 }

func (l *insetLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(l.inset, l.inset))
		o.Resize(size.SubtractWidthHeight(2*l.inset, 2*l.inset))
	}
}

func (l *insetLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objects {
		m = m.Max(o.MinSize())
	}
	return m.AddWidthHeight(2*l.inset, 2*l.inset)
}
