package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Authenticator checks a login offline; intake.Login is one.
type Authenticator interface {
	ByBadge(ctx context.Context, badge string) (intake.Operator, error)
	ByPIN(ctx context.Context, operatorID, pin string) (intake.Operator, error)
}

// OperatorLister lists who may log in at this bench; store.Store is one.
type OperatorLister interface {
	Operators(ctx context.Context) ([]intake.Operator, error)
}

// LoginScreen logs an operator in by badge scan, or by name and PIN.
type LoginScreen struct {
	env   Env
	auth  Authenticator
	ops   OperatorLister
	badge *entry
	pick  *widget.Select
	pin   *entry
	login *widget.Button
	note  *widget.Label
	hint  *widget.Label
	msg   message

	operators []intake.Operator
	checking  bool
	scroll    *container.Scroll
	content   fyne.CanvasObject

	// OnLogin is called on the UI goroutine when an operator logged in.
	OnLogin func(intake.Operator)
}

// NewLoginScreen builds the screen and starts loading the operator list.
func NewLoginScreen(env Env, auth Authenticator, ops OperatorLister) *LoginScreen {
	s := &LoginScreen{env: env, auth: auth, ops: ops, msg: newMessage()}
	s.badge = newPromptEntry(env)
	s.badge.Password = true // a badge number is a credential: never on screen
	s.badge.SetPlaceHolder("Scan your badge")
	s.badge.OnSubmitted = s.HandleScan
	s.pick = widget.NewSelect(nil, func(string) { s.env.touch() })
	s.pick.PlaceHolder = "Pick your name"
	s.pin = newPasswordEntry(env)
	s.pin.SetPlaceHolder("PIN")
	s.pin.OnSubmitted = func(string) { s.submitPIN() }
	s.login = bigButton("Log in", theme.LoginIcon(), widget.HighImportance, s.submitPIN)
	s.note = widget.NewLabel("")
	s.note.Wrapping = fyne.TextWrapWord
	s.hint = widget.NewLabel("")
	s.hint.Wrapping = fyne.TextWrapWord
	s.hint.Hide()
	title := widget.NewLabelWithStyle("Intake Bench — log in", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	form := container.NewVBox(
		title, s.note,
		widget.NewCard("Badge", "Scan your badge with any scanner", tall(s.badge, touchHeight)),
		widget.NewCard("PIN", "Or pick your name and type your PIN, then Enter",
			container.NewVBox(tall(s.pick, touchHeight), tall(s.pin, touchHeight), tall(s.login, touchHeight))),
		s.msg.Label, s.hint,
	)
	s.scroll = container.NewVScroll(container.NewVBox(layout.NewSpacer(),
		container.NewCenter(container.NewGridWrap(fyne.NewSize(460, 640), form)), layout.NewSpacer()))
	s.content = s.scroll
	s.Reload()
	return s
}

// Content is the screen's root object.
func (s *LoginScreen) Content() fyne.CanvasObject { return s.content }

func (s *LoginScreen) actions() []action { return actions(s.scroll, s.login) }

// Focus puts the keyboard in the badge field, where a wedge scanner types.
func (s *LoginScreen) Focus(c fyne.Canvas) { c.Focus(s.badge) }

// SetHint shows a standing note under the form, e.g. the demo logins.
func (s *LoginScreen) SetHint(text string) {
	s.hint.SetText(text)
	s.hint.Show()
}

// Message is the feedback under the form, for tests and accessibility.
func (s *LoginScreen) Message() string { return s.msg.Text }

// Reload refreshes the list of operators (after a pull brought new ones).
func (s *LoginScreen) Reload() {
	background(s.env, s.ops.Operators, func(ops []intake.Operator, err error) {
		if err != nil {
			s.msg.error(explain("Loading the operator list", err) + " Badge login still works.")
			return
		}
		s.operators = ops
		names := make([]string, len(ops))
		for i, o := range ops {
			names[i] = operatorLabel(o)
		}
		s.pick.SetOptions(names)
		if len(ops) == 0 {
			s.msg.error("No operators are known at this bench yet: enroll the bench with the hub (Settings) and let it sync.")
		}
	})
}

func operatorLabel(o intake.Operator) string { return fmt.Sprintf("%s (%s)", o.Name, o.Role) }

// Locked resets the form after the bench locked itself; prev is who was
// working, so they know their work is still there.
func (s *LoginScreen) Locked(prev *intake.Operator, why string) {
	s.pin.SetText("")
	s.badge.SetText("")
	s.msg.clear()
	if prev == nil {
		s.note.SetText(why)
		return
	}
	s.note.SetText(fmt.Sprintf("%s The work of %s is kept for them: they log in to carry on; anyone else starts afresh.", why, prev.Name))
	if i := s.indexOf(prev.ID); i >= 0 {
		s.pick.SetSelectedIndex(i)
	}
}

// nameOf is the name of the operator with id, "" for one not known here.
func (s *LoginScreen) nameOf(id string) string {
	if i := s.indexOf(id); i >= 0 {
		return s.operators[i].Name
	}
	return ""
}

func (s *LoginScreen) indexOf(id string) int {
	for i, o := range s.operators {
		if o.ID == id {
			return i
		}
	}
	return -1
}

// HandleScan logs in with a scanned badge.
func (s *LoginScreen) HandleScan(raw string) {
	badge := strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, raw))
	s.badge.SetText("")
	if badge == "" || s.checking {
		return
	}
	s.check(func(ctx context.Context) (intake.Operator, error) { return s.auth.ByBadge(ctx, badge) })
}

func (s *LoginScreen) submitPIN() {
	s.env.touch()
	i := s.pick.SelectedIndex()
	switch {
	case s.checking:
		return
	case i < 0 || i >= len(s.operators):
		s.msg.error("Pick your name first, then type your PIN.")
		return
	case s.pin.Text == "":
		s.msg.error("Type your PIN, then press Enter.")
		return
	}
	id, pin := s.operators[i].ID, s.pin.Text
	s.pin.SetText("")
	s.check(func(ctx context.Context) (intake.Operator, error) { return s.auth.ByPIN(ctx, id, pin) })
}

func (s *LoginScreen) check(login func(context.Context) (intake.Operator, error)) {
	s.checking = true
	s.login.Disable()
	s.msg.note("Checking…")
	background(s.env, login, func(op intake.Operator, err error) {
		s.checking = false
		s.login.Enable()
		if err != nil {
			s.env.trouble()
			s.msg.error(loginProblem(err))
			return
		}
		s.msg.clear()
		s.note.SetText("")
		s.env.success()
		if s.OnLogin != nil {
			s.OnLogin(op)
		}
	})
}

func loginProblem(err error) string {
	var locked *intake.LockedOutError
	switch {
	case errors.Is(err, intake.ErrBadCredentials):
		return fmt.Sprintf("Badge or PIN not recognised. Check your name and PIN and try again; after %d wrong PINs in a row the login locks for %d minutes.",
			intake.MaxPINAttempts, int(intake.LockoutFor.Minutes()))
	case errors.As(err, &locked):
		return fmt.Sprintf("Locked out: too many wrong PINs. Try again after %s, or ask a supervisor.", locked.Until.Local().Format("15:04"))
	}
	return explain("Logging in", err)
}
