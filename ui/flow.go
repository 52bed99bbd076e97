package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/intakebench/intakebench/intake"
)

// benchFlow is the Receive tab: scan → receive → grade → result, back to
// the scan prompt for the next device.
type benchFlow struct {
	env     Env
	shown   func(screen string) // told each switch between the screens
	receive *ReceiveScreen
	grade   *GradeScreen
	content *fyne.Container
}

func newBenchFlow(env Env, r *ReceiveScreen, g *GradeScreen, shown func(string)) *benchFlow {
	f := &benchFlow{env: env, shown: shown, receive: r, grade: g, content: container.NewStack(r.Content(), g.Content())}
	g.Content().Hide()
	startGrading := func(t intake.TradeIn) {
		g.Start(t)
		f.show(g.Content())
		if w := env.Window; w != nil {
			g.Focus(w.Canvas())
		}
		f.shown(ScreenGrade)
	}
	r.OnReceived = func(t intake.TradeIn, _ intake.Receipt) { startGrading(t) }
	r.OnGrade = startGrading
	g.OnGraded = func(t intake.TradeIn, gr intake.Grading) {
		f.show(r.Content())
		r.ShowGraded(t, gr)
		f.shown(TabReceive)
	}
	g.OnCancel = func() {
		f.show(r.Content())
		r.Reset("The device stays received: scan it again when you are ready to grade it.")
		f.shown(TabReceive)
	}
	g.OnAsking = func(asking bool) {
		if asking {
			f.shown(ScreenGradeAsking)
		} else if f.grading() {
			f.shown(ScreenGrade)
		}
	}
	g.OnLeaveFor = func(scan string) {
		f.show(r.Content())
		f.shown(TabReceive)
		r.HandleScan(scan)
	}
	return f
}

func (f *benchFlow) show(o fyne.CanvasObject) {
	for _, c := range f.content.Objects {
		c.Hide()
	}
	o.Show()
	f.content.Refresh()
}

func (f *benchFlow) grading() bool { return f.grade.Content().Visible() }

// discard drops what is on the Receive tab, a half-done grading included,
// back to the scan prompt with note. A device being graded stays
// received: its next scan offers the grading again.
func (f *benchFlow) discard(note string) {
	if f.grading() {
		f.grade.tradeIn = nil
		f.grade.ask.hide()
		f.show(f.receive.Content())
	}
	f.receive.Reset(note)
}

// HandleScan sends a scan to the prompt, unless a grading is open: then
// the operator is asked whether to finish it first, so a scan never drops
// a half-graded device nor types into one of its fields.
func (f *benchFlow) HandleScan(raw string) {
	if f.grading() && f.grade.tradeIn != nil {
		f.grade.AskAboutScan(raw)
		return
	}
	f.receive.HandleScan(raw)
}

func (f *benchFlow) focus(c fyne.Canvas) {
	if f.grading() {
		if c.Focused() == nil {
			f.grade.Focus(c)
		}
		return
	}
	f.receive.Focus(c)
}
