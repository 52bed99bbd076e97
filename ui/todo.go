package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// ToDoLister lists the devices this bench received whose work is not
// done (intake.OpenUnit); store.Store is one.
type ToDoLister interface {
	OpenUnits(ctx context.Context) ([]intake.OpenUnit, error)
}

// toDoShown is how many open units the list shows; the rest are counted.
const toDoShown = 8

// toDoPanel is the technician's to-do list under the match card: devices
// received and not graded, those a supervisor asked more photos of, and
// those whose counter-offer waits on the Returns shelf. A row opens its
// device as a scan of it would, so Enter then grades it.
type toDoPanel struct {
	env     Env
	source  ToDoLister
	open    func(scan string)
	heading *widget.Label
	rows    *fyne.Container
	content *fyne.Container
	units   []intake.OpenUnit
}

func newToDoPanel(env Env, source ToDoLister, open func(scan string)) *toDoPanel {
	p := &toDoPanel{env: env, source: source, open: open, heading: bold(""), rows: container.NewVBox()}
	p.content = container.NewVBox(widget.NewSeparator(), p.heading, p.rows)
	p.content.Hide()
	return p
}

// reload lists the open units again.
func (p *toDoPanel) reload() {
	if p.source == nil {
		return
	}
	background(p.env, p.source.OpenUnits, func(us []intake.OpenUnit, err error) {
		if err != nil {
			p.content.Show()
			p.heading.SetText(explain("Listing what is still to do", err))
			p.rows.RemoveAll()
			return
		}
		p.show(us)
	})
}

func (p *toDoPanel) show(us []intake.OpenUnit) {
	p.units = us
	p.rows.RemoveAll()
	if len(us) == 0 {
		p.content.Hide()
		return
	}
	p.heading.SetText(fmt.Sprintf("To do at this bench (%d)", len(us)))
	for _, u := range us[:min(len(us), toDoShown)] {
		row := widget.NewButton(toDoLine(u), func() {
			p.env.touch()
			p.open(scanOf(u.TradeIn))
		})
		row.Alignment = widget.ButtonAlignLeading
		p.rows.Add(row)
	}
	if more := len(us) - toDoShown; more > 0 {
		p.rows.Add(widget.NewLabel(fmt.Sprintf("… and %d more: scan a device to open it.", more)))
	}
	p.content.Show()
}

// Lines are the rows as shown, for tests and accessibility.
func (p *toDoPanel) Lines() []string {
	var out []string
	for _, o := range p.rows.Objects {
		switch w := o.(type) {
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.Label:
			out = append(out, w.Text)
		}
	}
	return out
}

// toDoLine says which device and what it waits for.
func toDoLine(u intake.OpenUnit) string {
	what := map[intake.UnitState]string{
		intake.UnitReceived:        "not graded yet",
		intake.UnitPhotosRequested: "more photos asked for: grade it again with them",
		intake.UnitCounterOffered:  "counter-offer waiting: keep it on the Returns shelf",
	}[u.State]
	if what == "" {
		what = string(u.State)
	}
	return fmt.Sprintf("%s · %s: %s (received %s)", u.TradeIn.Reference, deviceLine(u.TradeIn), what,
		u.Received.Local().Format("Mon 15:04"))
}

// scanOf is what a scan of the device would read: its IMEI, or its serial.
func scanOf(t intake.TradeIn) string {
	if t.IMEI != "" {
		return t.IMEI
	}
	return t.Serial
}
