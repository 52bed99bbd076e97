package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/label"
	"github.com/intakebench/intakebench/printing"
	"github.com/intakebench/intakebench/store"
	"github.com/intakebench/intakebench/ui"
)

// labellingStore is the bench store as the bench service sees it in the
// app: once a receipt, a grading, a quarantine or a walk-in is committed,
// its label is queued (when the settings print labels by themselves) and a
// walk-in's receipt too. A label that cannot even be queued is reported
// and costs nothing else: the receipt stands, and the label can be
// printed again from the unit's screen or `intakebench label print`.
type labellingStore struct {
	*store.Store
	labels *printing.Service
	report func(what string, err error)
}

func (s labellingStore) RecordReceipt(ctx context.Context, r intake.Receipt, events []intake.Event) error {
	if err := s.Store.RecordReceipt(ctx, r, events); err != nil {
		return err
	}
	s.label(ctx, r.TradeInID)
	return nil
}

func (s labellingStore) RecordGrading(ctx context.Context, g intake.Grading, events []intake.Event) error {
	if err := s.Store.RecordGrading(ctx, g, events); err != nil {
		return err
	}
	s.label(ctx, g.TradeInID)
	return nil
}

func (s labellingStore) RecordQuarantine(ctx context.Context, q intake.QuarantinedDevice, events []intake.Event) error {
	if err := s.Store.RecordQuarantine(ctx, q, events); err != nil {
		return err
	}
	if s.labels.AutoPrint(ctx) {
		_, err := s.labels.PrintQuarantine(ctx, q)
		s.report("quarantine label", err)
	}
	return nil
}

func (s labellingStore) RecordWalkIn(ctx context.Context, t intake.TradeIn, r intake.Receipt, events []intake.Event) error {
	if err := s.Store.RecordWalkIn(ctx, t, r, events); err != nil {
		return err
	}
	s.label(ctx, t.ID)
	if st, err := s.labels.Settings(ctx); err == nil && st.ReceiptPrinter != "" {
		s.report("receipt of "+t.Reference, s.labels.PrintWalkInReceipt(ctx, t.ID))
	}
	return nil
}

func (s labellingStore) label(ctx context.Context, tradeInID string) {
	if !s.labels.AutoPrint(ctx) {
		return
	}
	_, err := s.labels.PrintUnit(ctx, tradeInID)
	s.report("label of "+tradeInID, err)
}

// unitScans resolves the scan of a unit label to the unit it names, and
// every other scan as the bench does: a label scanned at the receive
// prompt shows its unit's trade-in on the match card.
type unitScans struct {
	bench  *intake.Bench
	labels *printing.Service
	store  *store.Store
}

func (u unitScans) Lookup(ctx context.Context, raw string) (intake.Match, error) {
	ids, _ := intake.ParseScan(raw)
	if len(ids) != 1 || ids[0].Kind != intake.KindUnit {
		return u.bench.Lookup(ctx, raw)
	}
	unitID := ids[0].Value
	found, err := u.labels.FindUnit(ctx, unitID)
	if errors.Is(err, intake.ErrNotFound) {
		return u.printedElsewhere(ctx, raw, ids)
	}
	if err != nil {
		return intake.Match{}, err
	}
	if found.TradeInID == "" {
		un := found.Unit
		return intake.Match{Outcome: intake.OutcomeInvalid, Scan: raw, Identifiers: ids,
			Problem: fmt.Sprintf("unit %s is a quarantined device (%s), set aside at %s on %s: it belongs on the quarantine shelf",
				unitID, un.IMEI, un.Bench, un.At.Local().Format("2006-01-02 15:04"))}, nil
	}
	r, ok, err := u.store.LocalReceipt(ctx, found.TradeInID)
	if err != nil {
		return intake.Match{}, err
	}
	if !ok {
		return intake.Match{}, fmt.Errorf("unit %s: its receipt is missing: %w", unitID, intake.ErrNotFound)
	}
	m, err := u.bench.Lookup(ctx, r.IMEI)
	m.Scan = raw
	return m, err
}

// printedElsewhere resolves the label of a unit another bench received,
// by the receipt the hub's feed brought: quarantined devices and receipts
// not yet synced are not in the feed, and the technician is told to scan
// the device instead.
func (u unitScans) printedElsewhere(ctx context.Context, raw string, ids []intake.Identifier) (intake.Match, error) {
	unitID := ids[0].Value
	t, err := u.store.TradeInByUnitLabel(ctx, unitID)
	if errors.Is(err, intake.ErrNotFound) {
		return intake.Match{Outcome: intake.OutcomeInvalid, Scan: raw, Identifiers: ids,
			Problem: fmt.Sprintf("unit label %s is not known here (not printed at this bench, or its receipt has not synced yet): scan the device's IMEI instead", unitID)}, nil
	}
	if err != nil {
		return intake.Match{}, err
	}
	m, err := u.bench.Lookup(ctx, t.Receipt.IMEI)
	m.Scan = raw
	return m, err
}

// runLabel is `intakebench label print|render|zpl UNIT`.
func runLabel(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	usage := func() error {
		fmt.Fprintln(stderr, `usage: intakebench label print|render|zpl [--db PATH] [flags] UNIT

UNIT is a unit label's id (U-…), or a scan or trade-in reference of a unit
this bench received.
  print   queue the unit's label and send it to the label printer now; a
          label the printer does not take waits in the queue for the app
  render  draw the label as it prints: --png FILE
  zpl     write the label's ZPL to standard output`)
		return errUsage
	}
	if len(args) == 0 {
		return usage()
	}
	verb := args[0]
	fs := flag.NewFlagSet("label "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	pngOut := fs.String("png", "", "render: the PNG file to write")
	size := fs.String("size", "", "label stock, 2x1 or 4x2 (default: the setting)")
	dpi := fs.Int("dpi", 0, "printer resolution, 203 or 300 (default: the setting)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 || (verb != "print" && verb != "render" && verb != "zpl") {
		return usage()
	}
	if verb == "render" && *pngOut == "" {
		fmt.Fprintln(stderr, "label render: give --png FILE")
		return errUsage
	}
	s, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	svc := printing.New(s, time.Now)
	u, tradeInID, err := findUnit(ctx, s, svc, fs.Arg(0))
	if err != nil {
		return err
	}
	st, err := svc.Settings(ctx)
	if err != nil {
		return err
	}
	spec := st.Spec
	if *size != "" || *dpi != 0 {
		if *size == "" {
			*size = spec.Size.Name
		}
		if *dpi == 0 {
			*dpi = spec.DPI
		}
		if spec, err = label.ParseSpec(*size, *dpi); err != nil {
			return err
		}
	}
	l, err := label.Lay(u, spec)
	if err != nil {
		return err
	}
	switch verb {
	case "zpl":
		_, err := stdout.Write(l.ZPL())
		return err
	case "render":
		b, err := l.PNG()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*pngOut, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: label of %s, %s\n", *pngOut, u.ID, spec)
		return nil
	}
	if tradeInID == "" {
		return fmt.Errorf("unit %s is a quarantined device: reprint its label from the app", u.ID)
	}
	if _, err := svc.PrintUnit(ctx, tradeInID); err != nil {
		return err
	}
	if _, err := svc.Spool().SendDue(ctx); err != nil {
		fmt.Fprintf(stdout, "label of %s queued; the printer did not take it yet: %v\n", u.ID, err)
		return nil
	}
	fmt.Fprintf(stdout, "label of %s printed\n", u.ID)
	return nil
}

// findUnit reads UNIT: a unit id, a scan of the device, or its trade-in's
// reference.
func findUnit(ctx context.Context, s *store.Store, svc *printing.Service, arg string) (label.Unit, string, error) {
	if id, ok, err := intake.ParseUnitID(strings.TrimSpace(arg)); ok {
		if err != nil {
			return label.Unit{}, "", err
		}
		found, err := svc.FindUnit(ctx, id.Value)
		if err != nil {
			return label.Unit{}, "", err
		}
		if found.TradeInID == "" {
			return found.Unit, "", nil
		}
		u, err := svc.UnitLabel(ctx, found.TradeInID)
		return u, found.TradeInID, err
	}
	bench := intake.NewBench(s, benchName(), time.Now, newKey)
	m, err := bench.Lookup(ctx, arg)
	if err != nil {
		return label.Unit{}, "", err
	}
	var tradeInID string
	if m.TradeIn != nil {
		tradeInID = m.TradeIn.ID
	} else if ts, err := s.FindTradeIns(ctx, arg, 2); err == nil && len(ts) == 1 {
		tradeInID = ts[0].ID
	}
	if tradeInID == "" {
		return label.Unit{}, "", fmt.Errorf("%q names no unit this bench received", arg)
	}
	u, err := svc.UnitLabel(ctx, tradeInID)
	if errors.Is(err, intake.ErrNotFound) {
		return label.Unit{}, "", fmt.Errorf("%q: this bench has not received that device", arg)
	}
	return u, tradeInID, err
}

// runPrinter is `intakebench printer set|show|status|test`.
func runPrinter(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	usage := func() error {
		fmt.Fprintln(stderr, `usage: intakebench printer set|show|status|test [--db PATH] [flags]

  set     --label tcp://HOST[:9100]|usb:/dev/usb/lp0|cups:QUEUE --receipt cups:QUEUE
          --size 2x1|4x2 --dpi 203|300 --auto on|off
          --business NAME --address "LINE\nLINE" --phone PHONE --terms TEXT
  show    print the settings
  status  ask the label printer how it is (~HS) and count the jobs waiting
  test    print a test label on --label (default: the setting)`)
		return errUsage
	}
	if len(args) == 0 {
		return usage()
	}
	verb := args[0]
	fs := flag.NewFlagSet("printer "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	labelP := fs.String("label", "", "label printer")
	receiptP := fs.String("receipt", "", "receipt printer, a CUPS queue")
	size := fs.String("size", "", "label stock")
	dpi := fs.Int("dpi", 0, "label printer resolution")
	auto := fs.String("auto", "", "print labels by themselves: on or off")
	business := fs.String("business", "", "business name on receipts")
	address := fs.String("address", "", `business address on receipts, lines split by \n`)
	phone := fs.String("phone", "", "business phone on receipts")
	terms := fs.String("terms", "", "terms printed on receipts")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		return usage()
	}
	s, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	svc := printing.New(s, time.Now)
	st, err := svc.Settings(ctx)
	if err != nil {
		return err
	}
	switch verb {
	case "set":
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if set["label"] {
			st.LabelPrinter = *labelP
		}
		if set["receipt"] {
			st.ReceiptPrinter = *receiptP
		}
		if set["size"] {
			st.Spec.Size = label.Size{Name: *size}
		}
		if set["dpi"] {
			st.Spec.DPI = *dpi
		}
		if set["auto"] {
			if *auto != "on" && *auto != "off" {
				return fmt.Errorf("--auto %q: want on or off", *auto)
			}
			st.AutoPrint = *auto == "on"
		}
		for name, v := range map[string]*string{"business": &st.Business.Name, "address": &st.Business.Address, "phone": &st.Business.Phone, "terms": &st.Business.Terms} {
			if set[name] {
				*v = map[string]string{"business": *business, "address": strings.ReplaceAll(*address, `\n`, "\n"), "phone": *phone, "terms": *terms}[name]
			}
		}
		if err := svc.SaveSettings(ctx, st); err != nil {
			return err
		}
		st, err = svc.Settings(ctx)
		if err != nil {
			return err
		}
		fallthrough
	case "show":
		auto := "on"
		if !st.AutoPrint {
			auto = "off"
		}
		fmt.Fprintf(stdout, "label printer:   %s\nlabel stock:     %s\nauto labels:     %s\nreceipt printer: %s\nbusiness:        %s\naddress:         %s\nphone:           %s\n",
			orNone(st.LabelPrinter), st.Spec, auto, orNone(st.ReceiptPrinter), orNone(st.Business.Name),
			orNone(strings.ReplaceAll(st.Business.Address, "\n", ", ")), orNone(st.Business.Phone))
		return nil
	case "status":
		name, ps, waiting, err := svc.PrinterStatus(ctx)
		if err != nil {
			return err
		}
		if name == "" {
			fmt.Fprintf(stdout, "no label printer set; %d jobs waiting\n", waiting)
			return nil
		}
		fmt.Fprintf(stdout, "%s: %s; %d jobs waiting\n", name, ps, waiting)
		if ps.Err != "" {
			fmt.Fprintf(stdout, "  %s\n", ps.Err)
		}
		return nil
	case "test":
		target := st.LabelPrinter
		if *labelP != "" {
			target = *labelP
		}
		if err := svc.TestPrint(ctx, target, st.Spec); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "test label sent to %s\n", target)
		return nil
	}
	return usage()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// runReceipt is `intakebench receipt pdf|print REFERENCE`.
func runReceipt(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	usage := func() error {
		fmt.Fprintln(stderr, `usage: intakebench receipt pdf|print [--db PATH] [--out FILE] REFERENCE

  pdf     write a walk-in's receipt as PDF to --out (default REFERENCE.pdf)
  print   queue it on the receipt printer (a CUPS queue) and send it now`)
		return errUsage
	}
	if len(args) == 0 {
		return usage()
	}
	verb := args[0]
	fs := flag.NewFlagSet("receipt "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	out := fs.String("out", "", "pdf: the file to write")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 || (verb != "pdf" && verb != "print") {
		return usage()
	}
	s, err := openExisting(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	svc := printing.New(s, time.Now)
	ts, err := s.FindTradeIns(ctx, fs.Arg(0), 2)
	if err != nil {
		return err
	}
	if len(ts) != 1 {
		return fmt.Errorf("%q names %d trade-ins: give the walk-in's reference (WI-…)", fs.Arg(0), len(ts))
	}
	if verb == "print" {
		if err := svc.PrintWalkInReceipt(ctx, ts[0].ID); err != nil {
			return err
		}
		if _, err := svc.Spool().SendDue(ctx); err != nil {
			fmt.Fprintf(stdout, "receipt of %s queued; the printer did not take it yet: %v\n", ts[0].Reference, err)
			return nil
		}
		fmt.Fprintf(stdout, "receipt of %s printed\n", ts[0].Reference)
		return nil
	}
	pdf, r, err := svc.WalkInReceipt(ctx, ts[0].ID)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = r.Reference + ".pdf"
	}
	if err := os.WriteFile(*out, pdf, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: receipt of %s\n", *out, r.Reference)
	return nil
}

// uiLabels is the printing service as the screens see it.
type uiLabels struct{ svc *printing.Service }

func (l uiLabels) LabelPreview(ctx context.Context, tradeInID string) (image.Image, string, error) {
	img, u, err := l.svc.Preview(ctx, tradeInID)
	return img, u.ID, err
}

func (l uiLabels) PrintLabel(ctx context.Context, tradeInID string) error {
	_, err := l.svc.PrintUnit(ctx, tradeInID)
	return err
}

func (l uiLabels) PrinterSettings(ctx context.Context) (ui.PrinterSettings, error) {
	st, err := l.svc.Settings(ctx)
	if err != nil {
		return ui.PrinterSettings{}, err
	}
	return ui.PrinterSettings{LabelPrinter: st.LabelPrinter, ReceiptPrinter: st.ReceiptPrinter, LabelSize: st.Spec.Size.Name,
		DPI: st.Spec.DPI, AutoPrint: st.AutoPrint, BusinessName: st.Business.Name, Address: st.Business.Address, Phone: st.Business.Phone}, nil
}

func (l uiLabels) settings(ctx context.Context, s ui.PrinterSettings) (printing.Settings, error) {
	st, err := l.svc.Settings(ctx)
	if err != nil {
		return printing.Settings{}, err
	}
	spec, err := label.ParseSpec(s.LabelSize, s.DPI)
	if err != nil {
		return printing.Settings{}, err
	}
	st.LabelPrinter, st.ReceiptPrinter = strings.TrimSpace(s.LabelPrinter), strings.TrimSpace(s.ReceiptPrinter)
	st.Spec, st.AutoPrint = spec, s.AutoPrint
	st.Business.Name, st.Business.Address, st.Business.Phone = s.BusinessName, s.Address, s.Phone
	return st, nil
}

func (l uiLabels) SavePrinterSettings(ctx context.Context, s ui.PrinterSettings) error {
	st, err := l.settings(ctx, s)
	if err != nil {
		return err
	}
	return l.svc.SaveSettings(ctx, st)
}

func (l uiLabels) TestPrint(ctx context.Context, s ui.PrinterSettings) error {
	st, err := l.settings(ctx, s)
	if err != nil {
		return err
	}
	return l.svc.TestPrint(ctx, st.LabelPrinter, st.Spec)
}

// watchPrinter runs the print spool and keeps the status bar's printer
// up to date: asked every poll, and after every round of the spool.
func watchPrinter(ctx context.Context, svc *printing.Service, status *statusModel, stderr io.Writer) {
	const poll = 15 * time.Second
	check := func() {
		name, st, waiting, err := svc.PrinterStatus(ctx)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(stderr, "printer: %v\n", err)
			}
			return
		}
		status.printer(ui.PrinterStatus{Name: name, State: st.String(), Ready: st.Ready(), Waiting: waiting})
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		svc.Spool().Run(ctx, 5*time.Second, func(n int, err error) {
			if n > 0 || err != nil {
				check()
			}
		})
	})
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		check()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// walkInReceipts gives the walk-in screen a customer's receipt again:
// queued on the receipt printer, or saved as a PDF in the bench's
// receipts folder, readable by its user only (it names the customer).
type walkInReceipts struct {
	svc *printing.Service
	dir string
}

func (r walkInReceipts) PrintReceipt(ctx context.Context, tradeInID string) error {
	return r.svc.PrintWalkInReceipt(ctx, tradeInID)
}

func (r walkInReceipts) SaveReceipt(ctx context.Context, tradeInID string) (string, error) {
	pdf, rc, err := r.svc.WalkInReceipt(ctx, tradeInID)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return "", fmt.Errorf("save receipt: %w", err)
	}
	path := filepath.Join(r.dir, rc.Reference+".pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		return "", fmt.Errorf("save receipt: %w", err)
	}
	return path, nil
}
