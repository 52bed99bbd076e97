package main

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"

	"github.com/intakebench/intakebench/store"
	"github.com/intakebench/intakebench/ui"
)

// runAlarm shows the alarm screen in place of the app: the bench's database
// is damaged, and nothing may be scanned or recorded on it. It returns
// damage once the window is closed, so that the app still exits non-zero.
func runAlarm(ctx context.Context, a fyne.App, db string, damage error, out *eventLog) error {
	w := a.NewWindow("Intake Bench")
	w.SetContent(alarmScreen(a, db, damage))
	w.Resize(windowSize())
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	a.Lifecycle().SetOnStarted(func() {
		out.report(appEvent{Event: "ready"})
		out.report(appEvent{Event: "screen", Screen: ui.ScreenAlarm})
	})
	w.ShowAndRun()
	return damage
}

func alarmScreen(a fyne.App, db string, damage error) fyne.CanvasObject {
	return ui.NewAlarmScreen(ui.Alarm{What: damage.Error(), File: db}, a.Quit).Content()
}

// damageWatch stops a running bench when the rest of the check of its
// store, which Open bounded, finds damage: the alarm screen replaces the
// app, scans are dropped and the sync stops. err is read and written on
// the UI goroutine only.
type damageWatch struct {
	err error // the damage found; nil while there is none
}

// scans hands scans to handle while the bench is not stopped.
func (d *damageWatch) scans(handle func(raw string)) func(raw string) {
	return func(raw string) {
		if d.err == nil {
			handle(raw)
		}
	}
}

// run checks the rest of s. On damage it calls stop, then alarm on the UI
// goroutine.
func (d *damageWatch) run(ctx context.Context, s *store.Store, stop func(), alarm func(error)) {
	if _, err := s.CheckRest(ctx); errors.Is(err, store.ErrDamaged) {
		stop()
		fyne.Do(func() {
			d.err = err
			alarm(err)
		})
	}
}
