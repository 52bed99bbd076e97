package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// TradeInSearcher finds trade-ins by any part of a customer's name, a
// reference or a tracking number; store.Store is one.
type TradeInSearcher interface {
	FindTradeIns(ctx context.Context, term string, limit int) ([]intake.TradeIn, error)
}

// Linker receives a device whose scan matched nothing against a trade-in
// the operator picked by hand, saying why (e.g. "IMEI on the label is
// unreadable, reference on the packing slip"). The domain decides whether
// the link is allowed.
type Linker interface {
	ReceiveByTradeIn(ctx context.Context, op intake.Operator, tradeInID, scan, reason string) (intake.Receipt, error)
}

// Quarantiner sets an unknown device aside, recorded, for a supervisor.
type Quarantiner interface {
	Quarantine(ctx context.Context, op intake.Operator, scan, reason string) error
}

// searchLimit bounds the results of a manual search.
const searchLimit = 20

// manualPanel is what the receive screen offers for an unknown device:
// search and link by hand, or quarantine.
type manualPanel struct {
	s        *ReceiveScreen
	term     *entry
	results  *fyne.Container
	picked   *widget.Label
	reason   *entry
	link     *widget.Button
	qReason  *entry
	quaran   *widget.Button
	msg      message
	content  *fyne.Container
	scan     string
	found    []intake.TradeIn
	selected *intake.TradeIn
}

func newManualPanel(s *ReceiveScreen) *manualPanel {
	p := &manualPanel{s: s, msg: newMessage()}
	p.term = newEntry(s.env)
	p.term.SetPlaceHolder("Customer name, reference or tracking number, then Enter")
	p.term.OnSubmitted = func(string) { p.search() }
	p.results = container.NewVBox()
	p.picked = widget.NewLabel("")
	p.picked.Truncation = fyne.TextTruncateEllipsis
	p.reason = newEntry(s.env)
	p.reason.SetPlaceHolder("Why this trade-in (e.g. reference on the packing slip)")
	p.link = bigButton("Link and receive", theme.ContentAddIcon(), widget.HighImportance, p.linkPicked)
	p.qReason = newEntry(s.env)
	p.qReason.SetPlaceHolder("Why it goes to quarantine (e.g. no paperwork in the box)")
	p.quaran = bigButton("Quarantine", theme.StorageIcon(), widget.WarningImportance, p.quarantine)

	// Link and quarantine side by side, each with its button in reach, and
	// what either did said right under both.
	var linkCol []fyne.CanvasObject
	if s.deps.Search != nil {
		search := widget.NewButtonWithIcon("Search", theme.SearchIcon(), p.search)
		results := container.NewVScroll(p.results)
		results.SetMinSize(fyne.NewSize(0, 2*touchHeight))
		linkCol = append(linkCol, bold("Link by hand"),
			container.NewBorder(nil, nil, nil, search, tall(p.term, touchHeight)), results, p.picked)
		if s.deps.Link == nil {
			p.link.Disable()
			linkCol = append(linkCol, wrapped("Linking by hand is not available on this bench yet: note the reference on the box and set the device aside for a supervisor."))
		} else {
			linkCol = append(linkCol, p.reason, tall(p.link, touchHeight))
		}
	}
	quarCol := []fyne.CanvasObject{bold("Quarantine")}
	if s.deps.Quarantine == nil {
		p.quaran.Disable()
		quarCol = append(quarCol, wrapped("Quarantine is not recorded by this bench yet: label the device \"unknown\" with its IMEI and put it on the quarantine shelf."))
	} else {
		quarCol = append(quarCol, p.qReason, tall(p.quaran, touchHeight))
	}
	p.content = container.NewVBox(container.NewGridWithColumns(2, container.NewVBox(linkCol...), container.NewVBox(quarCol...)), p.msg.Label)
	p.content.Hide()
	return p
}

func (p *manualPanel) show(m intake.Match) {
	p.scan = m.Scan
	p.found, p.selected = nil, nil
	p.term.SetText("")
	p.reason.SetText("")
	p.qReason.SetText("")
	p.results.RemoveAll()
	p.picked.SetText("")
	p.link.Disable()
	p.msg.clear()
	p.content.Show()
}

func (p *manualPanel) hide() { p.content.Hide() }

func (p *manualPanel) search() {
	p.s.env.touch()
	term := strings.TrimSpace(p.term.Text)
	if term == "" {
		p.msg.error("Type a customer name, a trade-in reference or a tracking number first.")
		return
	}
	if _, err := intake.SearchWords(term); err != nil {
		p.msg.error(err.Error() + ".")
		return
	}
	p.msg.note("Searching…")
	background(p.s.env, func(ctx context.Context) ([]intake.TradeIn, error) {
		return p.s.deps.Search.FindTradeIns(ctx, term, searchLimit)
	}, func(ts []intake.TradeIn, err error) {
		if err != nil {
			p.msg.error(explain("Searching", err))
			return
		}
		p.found, p.selected = ts, nil
		p.picked.SetText("")
		p.link.Disable()
		p.results.RemoveAll()
		for i, t := range ts {
			label := fmt.Sprintf("%s · %s %s %s · %s · %s", t.Reference, t.Device.Make, t.Device.Model, t.Device.Storage, t.Customer.Name, t.Status)
			p.results.Add(tall(widget.NewButton(label, func() { p.pick(i) }), touchHeight))
		}
		switch len(ts) {
		case 0:
			p.msg.error(fmt.Sprintf("No trade-in found for %q. Check the spelling, try part of the surname, the reference or the tracking number, or quarantine the device.", term))
		case searchLimit:
			p.msg.note(fmt.Sprintf("Showing the first %d: type more of the name to narrow it down.", searchLimit))
		default:
			p.msg.note(fmt.Sprintf("%d found: tap the one on the packing slip.", len(ts)))
		}
	})
}

func (p *manualPanel) pick(i int) {
	p.s.env.touch()
	t := p.found[i]
	p.selected = &t
	p.picked.SetText(fmt.Sprintf("Picked %s: %s %s %s · %s", t.Reference, t.Device.Make, t.Device.Model, t.Device.Storage, t.Customer.Name))
	if p.s.deps.Link != nil {
		p.link.Enable()
	}
}

func (p *manualPanel) linkPicked() {
	p.s.env.touch()
	reason := strings.TrimSpace(p.reason.Text)
	switch {
	case p.selected == nil:
		p.msg.error("Pick the trade-in first.")
		return
	case reason == "":
		p.msg.error("Say why this device belongs to that trade-in: the reason goes in the audit log.")
		return
	}
	t, op, scan := *p.selected, p.s.env.operator(), p.scan
	p.link.Disable()
	background(p.s.env, func(ctx context.Context) (intake.Receipt, error) {
		return p.s.deps.Link.ReceiveByTradeIn(ctx, op, t.ID, scan, reason)
	}, func(r intake.Receipt, err error) {
		p.link.Enable()
		if err != nil {
			p.s.env.trouble()
			p.msg.error(explain("Linking to "+t.Reference, err))
			return
		}
		p.hide()
		p.s.received(t, r)
	})
}

func (p *manualPanel) quarantine() {
	p.s.env.touch()
	reason := strings.TrimSpace(p.qReason.Text)
	if reason == "" {
		p.msg.error("Say why the device goes to quarantine: the reason goes in the audit log.")
		return
	}
	op, scan := p.s.env.operator(), p.scan
	p.quaran.Disable()
	background(p.s.env, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.s.deps.Quarantine.Quarantine(ctx, op, scan, reason)
	}, func(_ struct{}, err error) {
		p.quaran.Enable()
		if err != nil {
			p.s.env.trouble()
			p.msg.error(explain("Quarantining", err))
			return
		}
		p.hide()
		p.s.quarantined(scan, reason)
	})
}
