package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"github.com/intakebench/intakebench/intake"
)

// Clock is the time source of the screens; tests inject one they control.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f on its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call; *time.Timer is one.
type Timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// SystemClock is the wall clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time                            { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Session says who is logged in; screens ask it on every action, so a new
// login after an idle lock acts as the new operator at once.
type Session interface {
	Operator() intake.Operator
}

// Env is what every screen shares: who is working, the clock, the sounds,
// the window for dialogs, the bench's name, and a hook that tells the idle
// lock an operator is still there. Zero fields fall back to defaults.
type Env struct {
	Session  Session
	Clock    Clock
	Sound    Sounder
	Window   fyne.Window
	Bench    string
	Activity func()
	// Recorded is called after each success, e.g. to sync what was
	// recorded at once.
	Recorded func()
	// Keys catches scans typed into text fields; nil lets them type.
	Keys KeyFilter
	// OperatorName turns an operator's id into their name; nil shows ids.
	OperatorName func(id string) string

	// post, in tests only, takes background results to the test's
	// goroutine, which stands in for Fyne's main thread: Fyne's test
	// driver runs fyne.Do at once on the calling goroutine.
	post func(func())
}

func (e Env) operator() intake.Operator {
	if e.Session == nil {
		return intake.Operator{}
	}
	return e.Session.Operator()
}

func (e Env) operatorName(id string) string {
	if e.OperatorName == nil {
		return id
	}
	return e.OperatorName(id)
}

func (e Env) now() time.Time {
	if e.Clock == nil {
		return time.Now()
	}
	return e.Clock.Now()
}

func (e Env) touch() {
	if e.Activity != nil {
		e.Activity()
	}
}

func (e Env) success() {
	if e.Sound != nil {
		e.Sound.Success()
	}
	if e.Recorded != nil {
		e.Recorded()
	}
}

func (e Env) trouble() {
	if e.Sound != nil {
		e.Sound.Trouble()
	}
}

// callTimeout bounds one call to a service. A local SQLite call takes
// milliseconds, so anything near this means the disk or the network is in
// trouble.
const callTimeout = 10 * time.Second

// background runs work on its own goroutine and apply with its result
// through fyne.Do.
func background[T any](env Env, work func(context.Context) (T, error), apply func(T, error)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		v, err := work(ctx)
		do := fyne.Do
		if env.post != nil {
			do = env.post
		}
		do(func() { apply(v, err) })
	}()
}

// explain turns an error from a service into a sentence that says what
// happened and what to do. what names the action, e.g. "Receiving".
func explain(what string, err error) string {
	var (
		perm     *intake.PermissionError
		already  *intake.AlreadyReceivedError
		notRecv  *intake.NotReceivableError
		flagged  *intake.WalkInFlaggedError
		lockedOp *intake.LockedOutError
		mismatch *intake.ModelMismatchError
		picked   *intake.WalkInModelError
		photos   *intake.PhotosNeededError
	)
	switch {
	case errors.As(err, &perm):
		return fmt.Sprintf("Not allowed: %v. Nothing was changed. Ask someone with the right role to log in at this bench.", perm)
	case errors.As(err, &already):
		return fmt.Sprintf("%v. Nothing was changed: do not receive it twice; look for the unit on the received shelf.", already)
	case errors.As(err, &notRecv):
		return fmt.Sprintf("%v. Nothing was changed: set the device aside and ask a supervisor.", notRecv)
	case errors.As(err, &flagged):
		return fmt.Sprintf("%v. Nothing was recorded: keep the device, do not pay, and call a supervisor.", flagged)
	case errors.As(err, &picked):
		return fmt.Sprintf("%v. Nothing was recorded: pick the model the IMEI names (check the model on the phone's settings screen) and quote again.", picked)
	case errors.As(err, &mismatch):
		return fmt.Sprintf("%v. Nothing was recorded: the trade-in must be corrected and quoted again before this device is received.", mismatch)
	case errors.As(err, &photos):
		return fmt.Sprintf("%v. Nothing was recorded yet.", photos)
	case errors.As(err, &lockedOp):
		return fmt.Sprintf("%v. Wait until then or ask a supervisor to unlock you.", lockedOp)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s took too long: the bench database did not answer. Nothing was recorded; try again, and call a supervisor if it keeps happening.", what)
	}
	return fmt.Sprintf("%s failed: %v. Nothing was recorded; correct it and try again, or call a supervisor if it keeps failing.", what, err)
}
