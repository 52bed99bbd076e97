// Package printing is what a bench prints and when: a unit's label when it
// is received, graded or quarantined (if the settings say so) or asked for
// again, and a walk-in customer's receipt. It lays labels out with label,
// makes receipts with receipt, and hands both to the spool, so nothing
// waits for a printer and nothing is lost when one is away.
package printing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"strconv"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/label"
	"github.com/intakebench/intakebench/printer"
	"github.com/intakebench/intakebench/receipt"
	"github.com/intakebench/intakebench/spool"
	"github.com/intakebench/intakebench/store"
)

// Setting keys, kept in the bench store so the headless commands read the
// same settings as the app.
const (
	SetLabelPrinter   = "print.label.printer"   // printer.ParseTarget form
	SetReceiptPrinter = "print.receipt.printer" // a cups: target
	SetLabelSize      = "print.label.size"      // 2x1 or 4x2
	SetLabelDPI       = "print.label.dpi"       // 203 or 300
	SetAutoPrint      = "print.label.auto"      // "off" turns automatic labels off
	SetBusinessName   = "receipt.business.name"
	SetBusinessAddr   = "receipt.business.address"
	SetBusinessPhone  = "receipt.business.phone"
	SetReceiptTerms   = "receipt.terms"
)

// Settings are the printing settings.
type Settings struct {
	LabelPrinter   string
	ReceiptPrinter string
	Spec           label.Spec
	AutoPrint      bool
	Business       receipt.Business
}

// Store is the bench store printing reads and writes; *store.Store is one.
type Store interface {
	spool.Jobs
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	UnitFacts(ctx context.Context, tradeInID string) (store.UnitFacts, error)
	SaveUnitLabel(ctx context.Context, l store.UnitLabel) error
	UnitLabelByID(ctx context.Context, unitID string) (store.UnitLabel, error)
	WalkInPayout(ctx context.Context, tradeInID string) (intake.Payout, error)
	CredentialByID(ctx context.Context, id string) (intake.Credential, error)
}

// Service prints for one bench.
type Service struct {
	store Store
	spool *spool.Spool
	now   func() time.Time
}

// New returns the printing service of a bench store.
func New(s Store, now func() time.Time) *Service {
	svc := &Service{store: s, now: now}
	svc.spool = spool.New(s, svc.route, now)
	return svc
}

// Spool is the service's print spool: run it for jobs to go out.
func (s *Service) Spool() *spool.Spool { return s.spool }

// Settings reads the printing settings; a label stock never set is 2x1 at
// 203 dpi, the commonest desktop Zebra.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	var readErr error
	get := func(key string) string {
		v, err := s.store.Setting(ctx, key)
		if err != nil && readErr == nil {
			readErr = err
		}
		return v
	}
	size := get(SetLabelSize)
	if size == "" {
		size = label.Size2x1.Name
	}
	dpi := 203
	if v := get(SetLabelDPI); v != "" {
		dpi, _ = strconv.Atoi(v)
	}
	spec, err := label.ParseSpec(size, dpi)
	if err := errors.Join(readErr, err); err != nil {
		return Settings{}, err
	}
	return Settings{
		LabelPrinter: get(SetLabelPrinter), ReceiptPrinter: get(SetReceiptPrinter), Spec: spec,
		AutoPrint: get(SetAutoPrint) != "off",
		Business: receipt.Business{Name: get(SetBusinessName), Address: get(SetBusinessAddr),
			Phone: get(SetBusinessPhone), Terms: get(SetReceiptTerms)},
	}, nil
}

// SaveSettings checks and stores the printing settings.
func (s *Service) SaveSettings(ctx context.Context, st Settings) error {
	for _, t := range []string{st.LabelPrinter, st.ReceiptPrinter} {
		if t == "" {
			continue
		}
		if _, err := printer.ParseTarget(t); err != nil {
			return err
		}
	}
	if st.ReceiptPrinter != "" {
		if t, _ := printer.ParseTarget(st.ReceiptPrinter); t.Kind != printer.CUPS {
			return fmt.Errorf("receipt printer %s: receipts print through CUPS: give cups:QUEUE", st.ReceiptPrinter)
		}
	}
	if _, err := label.ParseSpec(st.Spec.Size.Name, st.Spec.DPI); err != nil {
		return err
	}
	auto := ""
	if !st.AutoPrint {
		auto = "off"
	}
	for k, v := range map[string]string{
		SetLabelPrinter: st.LabelPrinter, SetReceiptPrinter: st.ReceiptPrinter,
		SetLabelSize: st.Spec.Size.Name, SetLabelDPI: strconv.Itoa(st.Spec.DPI), SetAutoPrint: auto,
		SetBusinessName: st.Business.Name, SetBusinessAddr: st.Business.Address, SetBusinessPhone: st.Business.Phone,
		SetReceiptTerms: st.Business.Terms,
	} {
		if err := s.store.SetSetting(ctx, k, v); err != nil {
			return err
		}
	}
	return nil
}

// ErrNoPrinter is a job for a kind of printer the settings name none of:
// the job waits until one is set.
var ErrNoPrinter = errors.New("no printer set in Settings")

// route sends labels to the label printer and receipts to the receipt
// printer, whichever the settings name now.
func (s *Service) route(ctx context.Context, kind string) (spool.Printer, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	name := st.LabelPrinter
	if kind == spool.KindReceipt {
		name = st.ReceiptPrinter
	}
	if name == "" {
		return nil, fmt.Errorf("%s: %w", kind, ErrNoPrinter)
	}
	t, err := printer.ParseTarget(name)
	if err != nil {
		return nil, err
	}
	if kind == spool.KindReceipt {
		return documentPrinter{t}, nil
	}
	return t, nil
}

type documentPrinter struct{ t printer.Target }

func (d documentPrinter) Print(ctx context.Context, data []byte) error {
	return d.t.PrintDocument(ctx, data)
}

// UnitLabel returns the label of the unit this bench received for a
// trade-in, as it stands now.
func (s *Service) UnitLabel(ctx context.Context, tradeInID string) (label.Unit, error) {
	f, err := s.store.UnitFacts(ctx, tradeInID)
	if err != nil {
		return label.Unit{}, err
	}
	return label.FromReceipt(f.TradeIn, f.Receipt, f.Grading, f.State), nil
}

// Lay lays out a label on the stock the settings name.
func (s *Service) Lay(ctx context.Context, u label.Unit) (label.Layout, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return label.Layout{}, err
	}
	return label.Lay(u, st.Spec)
}

// Preview draws the label of a trade-in's unit as it would print.
func (s *Service) Preview(ctx context.Context, tradeInID string) (image.Image, label.Unit, error) {
	u, err := s.UnitLabel(ctx, tradeInID)
	if err != nil {
		return nil, label.Unit{}, err
	}
	l, err := s.Lay(ctx, u)
	if err != nil {
		return nil, label.Unit{}, err
	}
	img, err := l.Image()
	return img, u, err
}

// PrintUnit queues the label of a trade-in's unit and records it, so that
// scanning the label finds the unit. It returns once the job is kept.
func (s *Service) PrintUnit(ctx context.Context, tradeInID string) (label.Unit, error) {
	f, err := s.store.UnitFacts(ctx, tradeInID)
	if err != nil {
		return label.Unit{}, err
	}
	u := label.FromReceipt(f.TradeIn, f.Receipt, f.Grading, f.State)
	return u, s.print(ctx, u, f.Receipt.EventKey, tradeInID)
}

// PrintQuarantine queues the shelf label of a quarantined device.
func (s *Service) PrintQuarantine(ctx context.Context, q intake.QuarantinedDevice) (label.Unit, error) {
	u := label.FromQuarantine(q)
	return u, s.print(ctx, u, q.EventKey, "")
}

func (s *Service) print(ctx context.Context, u label.Unit, eventKey, tradeInID string) error {
	l, err := s.Lay(ctx, u)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(u)
	if err != nil {
		return err
	}
	if err := s.store.SaveUnitLabel(ctx, store.UnitLabel{UnitID: u.ID, EventKey: eventKey, TradeInID: tradeInID, Doc: doc, At: s.now().UTC()}); err != nil {
		return err
	}
	_, err = s.spool.Submit(ctx, spool.KindLabel, u.ID, l.ZPL())
	return err
}

// Labelled is a printed label found by its unit id.
type Labelled struct {
	Unit      label.Unit
	TradeInID string // empty for a quarantined device
}

// FindUnit finds the unit a scanned label names, or an error that is
// intake.ErrNotFound.
func (s *Service) FindUnit(ctx context.Context, unitID string) (Labelled, error) {
	l, err := s.store.UnitLabelByID(ctx, unitID)
	if err != nil {
		return Labelled{}, err
	}
	var u label.Unit
	if err := json.Unmarshal(l.Doc, &u); err != nil {
		return Labelled{}, fmt.Errorf("label %s: %w", unitID, err)
	}
	return Labelled{Unit: u, TradeInID: l.TradeInID}, nil
}

// AutoPrint reports whether labels print by themselves on receipt,
// grading and quarantine.
func (s *Service) AutoPrint(ctx context.Context) bool {
	st, err := s.Settings(ctx)
	return err == nil && st.AutoPrint
}

// WalkInReceipt makes a walk-in's PDF receipt.
func (s *Service) WalkInReceipt(ctx context.Context, tradeInID string) ([]byte, receipt.Receipt, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, receipt.Receipt{}, err
	}
	f, err := s.store.UnitFacts(ctx, tradeInID)
	if err != nil {
		return nil, receipt.Receipt{}, err
	}
	p, err := s.store.WalkInPayout(ctx, tradeInID)
	if err != nil {
		return nil, receipt.Receipt{}, err
	}
	clerk := f.Receipt.Operator
	if c, err := s.store.CredentialByID(ctx, f.Receipt.Operator); err == nil && c.Operator.Name != "" {
		clerk = c.Operator.Name
	}
	r := receipt.FromWalkIn(st.Business, f.TradeIn, f.Receipt, p, clerk)
	r.Location = time.Local
	pdf, err := r.PDF()
	return pdf, r, err
}

// PrintWalkInReceipt queues a walk-in's receipt on the receipt printer.
func (s *Service) PrintWalkInReceipt(ctx context.Context, tradeInID string) error {
	pdf, r, err := s.WalkInReceipt(ctx, tradeInID)
	if err != nil {
		return err
	}
	_, err = s.spool.Submit(ctx, spool.KindReceipt, r.Reference, pdf)
	return err
}

// PrinterStatus asks the label printer how it is, and counts the jobs
// waiting.
func (s *Service) PrinterStatus(ctx context.Context) (name string, st printer.Status, waiting int, err error) {
	set, err := s.Settings(ctx)
	if err != nil {
		return "", printer.Status{}, 0, err
	}
	jobs, err := s.spool.Waiting(ctx)
	if err != nil {
		return "", printer.Status{}, 0, err
	}
	if set.LabelPrinter == "" {
		return "", printer.Status{}, len(jobs), nil
	}
	t, err := printer.ParseTarget(set.LabelPrinter)
	if err != nil {
		return set.LabelPrinter, printer.Status{}, len(jobs), err
	}
	return t.String(), t.Status(ctx), len(jobs), nil
}

// TestPrint sends a test label to a printer at once, not through the
// spool: the operator setting it up wants to know now.
func (s *Service) TestPrint(ctx context.Context, target string, spec label.Spec) error {
	t, err := printer.ParseTarget(target)
	if err != nil {
		return err
	}
	u := label.Unit{ID: intake.UnitIDFor("test print"), IMEI: "TEST PRINT", Device: intake.Device{Make: "Intake", Model: "Bench", Storage: spec.String()},
		Destination: "TEST", At: s.now(), Bench: "settings"}
	l, err := label.Lay(u, spec)
	if err != nil {
		return err
	}
	return t.Print(ctx, l.ZPL())
}
