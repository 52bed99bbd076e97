package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// SyncStatus is what the sync engine reports about the hub.
type SyncStatus struct {
	Online    bool
	LastSync  time.Time // zero: never synced
	Pending   int       // events waiting for the hub
	Pulling   bool      // a long pull is running
	PullDone  int
	PullTotal int // 0 while the total is unknown
	// Failed says why the bench's own store failed the sync: not the
	// network, so no waiting will mend it. Empty when it did not.
	Failed string
}

// ScannerStatus is one scanner the bench knows of.
type ScannerStatus struct {
	Name      string
	Connected bool
}

// Status is what the app pushes into the status bar whenever something in
// it changes.
type Status struct {
	Bench    string
	Sync     SyncStatus
	Scanners []ScannerStatus
	Printer  PrinterStatus
	// Update is the release the hub offers instead of the one running,
	// nil when there is none; only an operator who may update the bench
	// (intake.ActionUpdate) is shown it.
	Update *intake.UpdateNotice
}

// StatusBar is the strip at the bottom of every screen: who is logged in,
// the bench, the hub, the outbox, a pull's progress and the scanners.
// Its methods run on the UI goroutine: from another goroutine, wrap the
// call in fyne.Do.
type StatusBar struct {
	operator *widget.Label
	bench    *widget.Label
	hub      *widget.Label
	pending  *widget.Label
	scanners *widget.Label
	printer  *widget.Label
	update   *widget.Label
	sound    *widget.Label
	progress *widget.ProgressBar
	busy     *widget.ProgressBarInfinite
	content  fyne.CanvasObject

	role   intake.Role // of who is logged in; "" while locked
	notice *intake.UpdateNotice
}

// NewStatusBar returns an empty status bar: nobody logged in, hub unknown.
func NewStatusBar() *StatusBar {
	b := &StatusBar{
		operator: widget.NewLabel(""), bench: widget.NewLabel(""), hub: widget.NewLabel(""),
		pending: widget.NewLabel(""), scanners: widget.NewLabel(""), printer: widget.NewLabel(""),
		update:   widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		sound:    widget.NewLabel(""),
		progress: widget.NewProgressBar(), busy: widget.NewProgressBarInfinite(),
	}
	b.operator.TextStyle = fyne.TextStyle{Bold: true}
	b.update.Importance = widget.WarningImportance
	b.busy.Stop()
	b.progress.Hide()
	b.busy.Hide()
	b.SetOperator(nil)
	b.Update(Status{})
	// The row scrolls sideways rather than widen the window: long scanner
	// and printer names once pushed the screens past a 1024 px display.
	b.content = container.NewVBox(widget.NewSeparator(), container.NewHScroll(container.NewHBox(
		b.operator, widget.NewSeparator(), b.bench, widget.NewSeparator(), b.hub, widget.NewSeparator(),
		b.pending, widget.NewSeparator(), b.scanners, widget.NewSeparator(), b.printer, widget.NewSeparator(), b.sound, b.update, container.NewGridWrap(fyne.NewSize(180, 20), container.NewStack(b.progress, b.busy)),
	)))
	return b
}

// Content is the bar's root object.
func (b *StatusBar) Content() fyne.CanvasObject { return b.content }

// SetOperator shows who is logged in; nil means the bench is locked.
func (b *StatusBar) SetOperator(op *intake.Operator) {
	b.role = ""
	if op == nil {
		b.operator.SetText("Locked — nobody logged in")
	} else {
		b.role = op.Role
		b.operator.SetText(fmt.Sprintf("%s (%s)", op.Name, op.Role))
	}
	b.showUpdate()
}

// SetSound says whether the bench can be heard: a technician who expects
// the chime and hears nothing looks here.
func (b *StatusBar) SetSound(s SoundState) {
	switch {
	case s.Player == "":
		b.sound.SetText("No sound: no audio player")
		b.sound.Importance = widget.WarningImportance
	case !s.On:
		b.sound.SetText("Sound off")
		b.sound.Importance = widget.WarningImportance
	default:
		b.sound.SetText("Sound on")
		b.sound.Importance = widget.MediumImportance
	}
	b.sound.Refresh()
}

// showUpdate tells of an offered release, to those who may install it:
// a technician can do nothing about it mid-shift but worry.
func (b *StatusBar) showUpdate() {
	if b.notice == nil || !b.role.May(intake.ActionUpdate) {
		b.update.Hide()
		return
	}
	b.update.SetText(fmt.Sprintf("Update available: %s (running %s) — install between shifts", b.notice.Offered, b.notice.Running))
	b.update.Show()
}

// Update shows a new status.
func (b *StatusBar) Update(s Status) {
	bench := s.Bench
	if bench == "" {
		bench = "unnamed bench"
	}
	b.bench.SetText("Bench " + bench)
	hub := "Hub offline"
	if s.Sync.Online {
		hub = "Hub online"
	}
	if s.Sync.LastSync.IsZero() {
		hub += " · never synced"
	} else {
		hub += " · last sync " + s.Sync.LastSync.Local().Format("15:04")
	}
	b.hub.Importance = widget.MediumImportance
	if !s.Sync.Online {
		b.hub.Importance = widget.WarningImportance
	}
	if s.Sync.Failed != "" {
		hub = "Sync failed: " + shorten(s.Sync.Failed, 60)
		b.hub.Importance = widget.DangerImportance
	}
	b.hub.SetText(hub)
	b.hub.Refresh()
	switch s.Sync.Pending {
	case 0:
		b.pending.SetText("All events sent")
	case 1:
		b.pending.SetText("1 event waiting")
	default:
		b.pending.SetText(fmt.Sprintf("%d events waiting", s.Sync.Pending))
	}
	b.scanners.SetText(scannersText(s.Scanners))
	text, importance := printerText(s.Printer)
	b.printer.Importance = importance
	b.printer.SetText(text)
	b.printer.Refresh()
	b.notice = s.Update
	b.showUpdate()
	b.showProgress(s.Sync)
}

func (b *StatusBar) showProgress(s SyncStatus) {
	switch {
	case !s.Pulling:
		b.progress.Hide()
		b.busy.Stop()
		b.busy.Hide()
	case s.PullTotal > 0:
		b.busy.Stop()
		b.busy.Hide()
		b.progress.Max = float64(s.PullTotal)
		b.progress.SetValue(float64(min(s.PullDone, s.PullTotal)))
		b.progress.Show()
	default:
		b.progress.Hide()
		b.busy.Show()
		b.busy.Start()
	}
}

func scannersText(ss []ScannerStatus) string {
	if len(ss) == 0 {
		return "No scanner"
	}
	var up int
	names := make([]string, 0, len(ss))
	for _, s := range ss {
		mark := "✗"
		if s.Connected {
			up++
			mark = "✓"
		}
		names = append(names, s.Name+" "+mark)
	}
	return fmt.Sprintf("Scanners %d/%d: %s", up, len(ss), strings.Join(names, ", "))
}

// shorten cuts text to its first line and at most n runes: the status bar
// is one line shared by everything in it.
func shorten(text string, n int) string {
	text, _, _ = strings.Cut(text, "\n")
	if r := []rune(text); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return text
}
