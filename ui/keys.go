package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// KeyFilter splits the keystrokes typed into one widget into a person's
// typing, handed on to the widget, and scans from a keyboard-wedge scanner,
// which the filter reports itself (the app sends them to Shell.HandleScan).
// Without one, a scan typed while a text field has focus lands in that
// field: a technician's next IMEI became a battery health of
// 353921104368741%. An editing key (End, the arrows, Backspace) first
// hands on the keystrokes the filter holds, so that it acts after them.
// The app's wedge detector is one (see cmd/intakebench).
type KeyFilter interface {
	Filter(typeRune func(rune), typeKey func(*fyne.KeyEvent)) Keystrokes
	// Release hands on, as typing, what every filter holds back: a key
	// about to reach a field without a filter (a scan prompt) comes
	// after them, even when the keyboard moved to it mid-scan.
	Release()
}

// Keystrokes takes one widget's keystrokes on their way to it.
type Keystrokes interface {
	TypedRune(r rune)
	TypedKey(ev *fyne.KeyEvent)
}

// entry is a text field whose keystrokes pass the app's KeyFilter, so a
// scan typed into it goes where scans go, never into its text. Every text
// field of the bench is one.
type entry struct {
	widget.Entry
	keys    Keystrokes
	release func() // a prompt's: before each key, what filters hold
}

func newEntry(env Env) *entry {
	e := &entry{}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	if env.Keys != nil {
		e.keys = env.Keys.Filter(e.Entry.TypedRune, e.Entry.TypedKey)
	}
	return e
}

// newPromptEntry is a field where scans belong (the scan prompt, the
// walk-in's IMEI, the badge): it takes a scan as typing and Enter, as it
// would without a filter. A filter there could only split a scan whose
// keys the machine was slow to deliver, and lose its first digits. What
// the window's filter still holds of a scan that started before the
// prompt had the keyboard goes first.
func newPromptEntry(env Env) *entry {
	e := newEntry(Env{})
	if env.Keys != nil {
		e.release = env.Keys.Release
	}
	return e
}

func newMultiLineEntry(env Env) *entry {
	e := newEntry(env)
	e.MultiLine = true
	return e
}

func newPasswordEntry(env Env) *entry {
	e := newEntry(env)
	e.Password = true
	return e
}

// TypedRune implements fyne.Focusable.
func (e *entry) TypedRune(r rune) {
	if e.keys != nil {
		e.keys.TypedRune(r)
		return
	}
	if e.release != nil {
		e.release()
	}
	e.Entry.TypedRune(r)
}

// TypedKey implements fyne.Focusable.
func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if e.keys != nil {
		e.keys.TypedKey(ev)
		return
	}
	if e.release != nil {
		e.release()
	}
	e.Entry.TypedKey(ev)
}

// settle hands on what the filter still holds before the field is read: it
// keeps a person's last keys for a few milliseconds while they could still
// be the start of a scan, and a shortcut (Ctrl+Enter) can come sooner. End
// is an editing key, so the filter lets them go first, and it leaves the
// cursor where typing leaves it.
func (e *entry) settle() {
	if e.keys != nil {
		e.keys.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd})
	}
}
