package ui

import (
	"context"
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Labels draws and prints the labels of units this bench received.
type Labels interface {
	// LabelPreview draws a trade-in's unit's label as it prints, and
	// returns its unit id.
	LabelPreview(ctx context.Context, tradeInID string) (image.Image, string, error)
	// PrintLabel queues the label; it never waits for the printer.
	PrintLabel(ctx context.Context, tradeInID string) error
}

// labelPanel is a unit's label on screen, with a button that prints it
// again: what the technician sees is what the printer gets.
type labelPanel struct {
	env     Env
	labels  Labels
	picture *canvas.Image
	caption *widget.Label
	reprint *widget.Button
	msg     message
	content *fyne.Container
	tradeIn *intake.TradeIn
}

func newLabelPanel(env Env, labels Labels) *labelPanel {
	p := &labelPanel{env: env, labels: labels, picture: canvas.NewImageFromImage(nil), caption: widget.NewLabel(""), msg: newMessage()}
	p.picture.FillMode = canvas.ImageFillContain
	p.picture.ScaleMode = canvas.ImageScalePixels
	p.picture.SetMinSize(fyne.NewSize(406, 203))
	p.reprint = widget.NewButtonWithIcon("Print label again", theme.DocumentPrintIcon(), p.Reprint)
	p.content = container.NewVBox(widget.NewLabelWithStyle("Unit label", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(container.NewPadded(p.picture)), container.NewHBox(p.caption, p.reprint), p.msg.Label)
	p.content.Hide()
	return p
}

// show draws the label of a unit this bench holds.
func (p *labelPanel) show(t intake.TradeIn) {
	if p.labels == nil {
		return
	}
	p.tradeIn = &t
	p.msg.note("")
	background(p.env, func(ctx context.Context) (labelPreview, error) {
		img, id, err := p.labels.LabelPreview(ctx, t.ID)
		return labelPreview{img, id}, err
	}, func(lp labelPreview, err error) {
		if p.tradeIn == nil || p.tradeIn.ID != t.ID {
			return // another match is on screen by now
		}
		if err != nil {
			p.msg.error(fmt.Sprintf("The label of %s cannot be drawn: %v", t.Reference, err))
			p.content.Show()
			return
		}
		p.picture.Image = lp.img
		p.picture.Refresh()
		p.caption.SetText(lp.unitID)
		p.content.Show()
	})
}

type labelPreview struct {
	img    image.Image
	unitID string
}

func (p *labelPanel) hide() {
	p.tradeIn = nil
	p.content.Hide()
}

// Reprint queues the label shown again.
func (p *labelPanel) Reprint() {
	p.env.touch()
	if p.tradeIn == nil || p.labels == nil {
		return
	}
	t := *p.tradeIn
	p.reprint.Disable()
	background(p.env, func(ctx context.Context) (struct{}, error) { return struct{}{}, p.labels.PrintLabel(ctx, t.ID) },
		func(_ struct{}, err error) {
			p.reprint.Enable()
			if err != nil {
				p.env.trouble()
				p.msg.error(explain("Printing the label of "+t.Reference, err))
				return
			}
			p.msg.success("Label of " + t.Reference + " sent to the printer; if the printer is away it prints when it is back.")
		})
}

// PrinterSettings are the printers and what the receipts say.
type PrinterSettings struct {
	LabelPrinter   string // tcp://HOST[:9100], usb:/dev/usb/lp0 or cups:QUEUE
	ReceiptPrinter string // cups:QUEUE
	LabelSize      string // 2x1 or 4x2
	DPI            int    // 203 or 300
	AutoPrint      bool
	BusinessName   string
	Address        string
	Phone          string
}

// PrinterSetup reads, saves and tries the printer settings.
type PrinterSetup interface {
	PrinterSettings(ctx context.Context) (PrinterSettings, error)
	SavePrinterSettings(ctx context.Context, s PrinterSettings) error
	// TestPrint prints a test label at once on the label printer named.
	TestPrint(ctx context.Context, s PrinterSettings) error
}

// printerCard is the Printers card of the settings screen.
type printerCard struct {
	env                          Env
	setup                        PrinterSetup
	labelPrinter, receiptPrinter *entry
	business, address, phone     *entry
	size, dpi                    *widget.Select
	auto                         *widget.Check
	save, test                   *widget.Button
	msg                          message
	content                      fyne.CanvasObject
}

func newPrinterCard(env Env, setup PrinterSetup) *printerCard {
	c := &printerCard{env: env, setup: setup, msg: newMessage()}
	c.labelPrinter = newEntry(env)
	c.labelPrinter.SetPlaceHolder("tcp://10.0.0.7:9100, usb:/dev/usb/lp0 or cups:Zebra")
	c.receiptPrinter = newEntry(env)
	c.receiptPrinter.SetPlaceHolder("cups:Receipts (a CUPS queue; empty: no receipts printed)")
	c.size = widget.NewSelect([]string{"2x1", "4x2"}, nil)
	c.dpi = widget.NewSelect([]string{"203", "300"}, nil)
	c.auto = widget.NewCheck("Print a label when a device is received, graded or quarantined", nil)
	c.business, c.address, c.phone = newEntry(env), newMultiLineEntry(env), newEntry(env)
	c.business.SetPlaceHolder("Business name on receipts")
	c.address.SetPlaceHolder("Address on receipts")
	c.address.SetMinRowsVisible(2)
	c.phone.SetPlaceHolder("Phone on receipts")
	c.save = widget.NewButtonWithIcon("Save printers", theme.DocumentSaveIcon(), c.Save)
	c.test = widget.NewButtonWithIcon("Test print", theme.DocumentPrintIcon(), c.Test)
	form := widget.NewForm(
		widget.NewFormItem("Label printer", c.labelPrinter),
		widget.NewFormItem("Label stock", container.NewHBox(c.size, widget.NewLabel("inches at"), c.dpi, widget.NewLabel("dpi"))),
		widget.NewFormItem("", c.auto),
		widget.NewFormItem("Receipt printer", c.receiptPrinter),
		widget.NewFormItem("Business", c.business),
		widget.NewFormItem("Address", c.address),
		widget.NewFormItem("Phone", c.phone),
	)
	c.content = widget.NewCard("Printers", "Unit labels (Zebra, ZPL) and walk-in receipts (PDF through CUPS)",
		container.NewVBox(form, container.NewHBox(tall(c.save, touchHeight), tall(c.test, touchHeight)), c.msg.Label))
	background(env, setup.PrinterSettings, func(s PrinterSettings, err error) {
		if err != nil {
			c.msg.error(fmt.Sprintf("The printer settings cannot be read: %v", err))
			return
		}
		c.fill(s)
	})
	return c
}

func (c *printerCard) fill(s PrinterSettings) {
	c.labelPrinter.SetText(s.LabelPrinter)
	c.receiptPrinter.SetText(s.ReceiptPrinter)
	c.size.SetSelected(s.LabelSize)
	c.dpi.SetSelected(fmt.Sprint(s.DPI))
	c.auto.SetChecked(s.AutoPrint)
	c.business.SetText(s.BusinessName)
	c.address.SetText(s.Address)
	c.phone.SetText(s.Phone)
}

func (c *printerCard) settings() PrinterSettings {
	dpi := 203
	if c.dpi.Selected == "300" {
		dpi = 300
	}
	return PrinterSettings{LabelPrinter: c.labelPrinter.Text, ReceiptPrinter: c.receiptPrinter.Text, LabelSize: c.size.Selected,
		DPI: dpi, AutoPrint: c.auto.Checked, BusinessName: c.business.Text, Address: c.address.Text, Phone: c.phone.Text}
}

// Save stores the settings.
func (c *printerCard) Save() {
	c.env.touch()
	s := c.settings()
	background(c.env, func(ctx context.Context) (struct{}, error) { return struct{}{}, c.setup.SavePrinterSettings(ctx, s) },
		func(_ struct{}, err error) {
			if err != nil {
				c.env.trouble()
				c.msg.error(fmt.Sprintf("Not saved: %v.", err))
				return
			}
			c.msg.success("Printers saved.")
		})
}

// Test prints a test label on the label printer typed in.
func (c *printerCard) Test() {
	c.env.touch()
	s := c.settings()
	c.test.Disable()
	c.msg.note("Printing a test label on " + s.LabelPrinter + "…")
	background(c.env, func(ctx context.Context) (struct{}, error) { return struct{}{}, c.setup.TestPrint(ctx, s) },
		func(_ struct{}, err error) {
			c.test.Enable()
			if err != nil {
				c.env.trouble()
				c.msg.error(fmt.Sprintf("The test label did not print: %v. Check the address or cable, paper and power.", err))
				return
			}
			c.msg.success("Test label sent to " + s.LabelPrinter + ". Scan it: the bench should read its barcode.")
		})
}

// PrinterStatus is the label printer as the status bar shows it.
type PrinterStatus struct {
	Name    string // empty when none is set
	State   string // "ready", "offline", "out of paper", "paused"...
	Ready   bool
	Waiting int // labels and receipts not printed yet
}

func printerText(p PrinterStatus) (string, widget.Importance) {
	waiting := ""
	if p.Waiting > 0 {
		waiting = fmt.Sprintf(" · %d to print", p.Waiting)
	}
	switch {
	case p.Name == "" && p.Waiting == 0:
		return "No label printer", widget.MediumImportance
	case p.Name == "":
		return "No label printer" + waiting, widget.WarningImportance
	case !p.Ready:
		return "Printer " + p.State + waiting, widget.WarningImportance
	}
	return "Printer ready" + waiting, widget.MediumImportance
}
