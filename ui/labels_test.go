package ui

import (
	"context"
	"errors"
	"image"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// fakeLabels draws a blank label and records what is printed.
type fakeLabels struct {
	mu      sync.Mutex
	printed []string
	fail    error
}

func (f *fakeLabels) LabelPreview(_ context.Context, tradeInID string) (image.Image, string, error) {
	return image.NewGray(image.Rect(0, 0, 406, 203)), "U-5936715130527394", nil
}

func (f *fakeLabels) PrintLabel(_ context.Context, tradeInID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.printed = append(f.printed, tradeInID)
	return nil
}

func TestAReceivedUnitShowsItsLabelToPrintAgain(t *testing.T) {
	test.NewTempApp(t)
	f := newFixture(t)
	post, until := settling(t)
	labels := &fakeLabels{}
	env := Env{Session: session{tech}, Clock: f.clock, Bench: "bench-7", post: post}
	s := NewReceiveScreen(env, ReceiveDeps{Lookup: f.bench, Receiver: f.bench, Labels: labels})
	s.OnGrade = func(intake.TradeIn) {}
	_, err := f.bench.Receive(context.Background(), tech, imeiShipped)
	require.NoError(t, err)

	s.Submit(imeiShipped)
	until("the label", func() bool { return s.label.content.Visible() && s.label.caption.Text != "" })
	assert.Equal(t, "U-5936715130527394", s.label.caption.Text)
	assert.Equal(t, 406, s.label.picture.Image.Bounds().Dx())

	test.Tap(s.label.reprint)
	until("the reprint", func() bool { return s.label.msg.Text != "" })
	assert.Equal(t, []string{tradeInShip}, labels.printed)
	assert.Contains(t, s.label.msg.Text, "Label of TI-1 sent to the printer")

	labels.fail = errors.New("database is locked")
	test.Tap(s.label.reprint)
	until("the failure", func() bool { return s.label.msg.Text != "" && s.label.msg.Text[:8] == "Printing" })
	assert.Contains(t, s.label.msg.Text, "database is locked")

	s.Submit("490154203237518") // another trade-in, not received: no label
	until("the next match", func() bool { return s.match != nil && s.match.Scan == "490154203237518" })
	assert.False(t, s.label.content.Visible())
}

// fakeSetup keeps printer settings in memory.
type fakeSetup struct {
	saved  PrinterSettings
	tested PrinterSettings
}

func (f *fakeSetup) PrinterSettings(context.Context) (PrinterSettings, error) { return f.saved, nil }
func (f *fakeSetup) SavePrinterSettings(_ context.Context, s PrinterSettings) error {
	if s.ReceiptPrinter != "" && s.ReceiptPrinter[:5] != "cups:" {
		return errors.New("receipts print through CUPS")
	}
	f.saved = s
	return nil
}
func (f *fakeSetup) TestPrint(_ context.Context, s PrinterSettings) error {
	f.tested = s
	if s.LabelPrinter == "" {
		return errors.New("no printer named")
	}
	return nil
}

func TestPrinterSettingsCard(t *testing.T) {
	a := test.NewTempApp(t)
	post, until := settling(t)
	setup := &fakeSetup{saved: PrinterSettings{LabelPrinter: "tcp://10.0.0.7:9100", LabelSize: "2x1", DPI: 203, AutoPrint: true}}
	s := NewSettingsScreen(Env{post: post}, SettingsDeps{Prefs: a.Preferences(), Printers: setup})
	c := s.printers
	until("the settings", func() bool { return c.labelPrinter.Text != "" })
	assert.Equal(t, "2x1", c.size.Selected)
	assert.Equal(t, "203", c.dpi.Selected)
	assert.True(t, c.auto.Checked)

	c.labelPrinter.SetText("usb:/dev/usb/lp0")
	c.size.SetSelected("4x2")
	c.dpi.SetSelected("300")
	c.business.SetText("Phone Swap Ltd")
	test.Tap(c.save)
	until("saved", func() bool { return c.msg.Text != "" })
	assert.Equal(t, "Printers saved.", c.msg.Text)
	assert.Equal(t, PrinterSettings{LabelPrinter: "usb:/dev/usb/lp0", LabelSize: "4x2", DPI: 300, AutoPrint: true, BusinessName: "Phone Swap Ltd"}, setup.saved)

	c.receiptPrinter.SetText("tcp://10.0.0.9")
	c.msg.note("")
	test.Tap(c.save)
	until("refused", func() bool { return c.msg.Text != "" })
	assert.Equal(t, "Not saved: receipts print through CUPS.", c.msg.Text)

	c.msg.note("")
	test.Tap(c.test)
	until("tested", func() bool { return c.test.Disabled() == false && c.msg.Text != "" && c.msg.Text[:4] != "Prin" })
	assert.Equal(t, "usb:/dev/usb/lp0", setup.tested.LabelPrinter)
	assert.Contains(t, c.msg.Text, "Test label sent to usb:/dev/usb/lp0")
}

func TestStatusBarShowsThePrinter(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		p          PrinterStatus
		text       string
		importance widget.Importance
	}{
		{PrinterStatus{}, "No label printer", widget.MediumImportance},
		{PrinterStatus{Waiting: 2}, "No label printer · 2 to print", widget.WarningImportance},
		{PrinterStatus{Name: "tcp://10.0.0.7:9100", State: "ready", Ready: true}, "Printer ready", widget.MediumImportance},
		{PrinterStatus{Name: "tcp://10.0.0.7:9100", State: "out of paper, paused", Waiting: 1}, "Printer out of paper, paused · 1 to print", widget.WarningImportance},
		{PrinterStatus{Name: "tcp://10.0.0.7:9100", State: "offline", Waiting: 3}, "Printer offline · 3 to print", widget.WarningImportance},
	}
	b := NewStatusBar()
	for _, tt := range tests {
		b.Update(Status{Printer: tt.p})
		assert.Equal(t, tt.text, b.printer.Text)
		assert.Equal(t, tt.importance, b.printer.Importance)
	}
}
