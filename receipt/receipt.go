// Package receipt makes the PDF a walk-in customer takes home: the
// business, the date and clerk, the device and its IMEI, the answers the
// price was based on, the amount and how it is paid, the reference as a
// barcode, and the terms.
//
// It uses fpdf (codeberg.org/go-pdf/fpdf), the maintained fork of
// jung-kurt/gofpdf: pure Go (no cgo, no outside service, nothing to
// install on a bench), embeds TrueType fonts as UTF-8 subsets so customers'
// names print in any script, and draws vector rectangles, which is all a
// Code 128 barcode needs.
package receipt

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/label"
)

// Business is who buys the device, as settings name it.
type Business struct {
	Name    string
	Address string // may span lines
	Phone   string
	// Terms close the receipt; DefaultTerms when empty.
	Terms string
}

// DefaultTerms are printed when settings name none.
const DefaultTerms = "The customer confirms they own this device and may sell it, and that the answers above are true. " +
	"Ownership passes to the business on payment. Devices reported lost or stolen are held for the police and not paid for. " +
	"Keep this receipt: quote its reference for any question about this trade-in."

// Receipt is a walk-in's receipt.
type Receipt struct {
	Business  Business
	Reference string
	At        time.Time
	Location  *time.Location // the time zone the date is printed in; UTC if nil
	Clerk     string
	Bench     string
	Customer  string
	Device    intake.Device
	IMEI      string
	Answers   []intake.Answer
	Condition intake.Condition
	Amount    intake.Cents
	Payout    intake.PayoutMethod
}

// FromWalkIn gathers a walk-in's receipt from its trade-in, the bench's
// receipt of the device, the payout and the clerk's name.
func FromWalkIn(b Business, t intake.TradeIn, r intake.Receipt, p intake.Payout, clerk string) Receipt {
	return Receipt{Business: b, Reference: t.Reference, At: r.At, Clerk: clerk, Bench: r.Bench, Customer: t.Customer.Name,
		Device: t.Device, IMEI: r.IMEI, Answers: t.Answers, Condition: t.Disclosed, Amount: p.Amount, Payout: p.Method}
}

// payoutText names a payout method as a customer reads it.
func payoutText(m intake.PayoutMethod) string {
	switch m {
	case intake.PayoutStoreCredit:
		return "store credit"
	case intake.PayoutCash:
		return "cash"
	case intake.PayoutCheck:
		return "check"
	case intake.PayoutCard:
		return "card"
	}
	return string(m)
}

// PDF renders the receipt on an A5-wide page of the length it needs.
func (r Receipt) PDF() ([]byte, error) {
	code, err := label.EncodeCode128(r.Reference)
	if err != nil {
		return nil, fmt.Errorf("receipt %s: %w", r.Reference, err)
	}
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	const width, margin = 148.0, 12.0 // mm: A5 width
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: width, Ht: 210}})
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetTitle("Trade-in receipt "+r.Reference, true)
	pdf.SetCreator("Intake Bench", true)
	pdf.SetCreationDate(r.At)
	pdf.SetModificationDate(r.At)
	pdf.AddPage()
	inner := width - 2*margin

	pdf.SetFont("go", "B", 15)
	pdf.MultiCell(inner, 7, orDash(r.Business.Name), "", "L", false)
	pdf.SetFont("go", "", 9)
	for _, line := range strings.Split(strings.TrimSpace(r.Business.Address), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			pdf.CellFormat(inner, 4.5, line, "", 1, "L", false, 0, "")
		}
	}
	if r.Business.Phone != "" {
		pdf.CellFormat(inner, 4.5, r.Business.Phone, "", 1, "L", false, 0, "")
	}
	pdf.Ln(4)
	pdf.SetFont("go", "B", 12)
	pdf.CellFormat(inner, 6, "Trade-in receipt "+r.Reference, "B", 1, "L", false, 0, "")
	pdf.Ln(2)

	row := func(k, v string) {
		pdf.SetFont("go", "", 9.5)
		pdf.CellFormat(38, 5.5, k, "", 0, "L", false, 0, "")
		pdf.SetFont("go", "B", 9.5)
		pdf.MultiCell(inner-38, 5.5, orDash(v), "", "L", false)
	}
	row("Date", r.At.In(loc).Format("2 January 2006, 15:04 MST"))
	row("Customer", r.Customer)
	row("Clerk", strings.TrimSpace(r.Clerk+" at "+r.Bench))
	row("Device", strings.Join(strings.Fields(r.Device.Make+" "+r.Device.Model+" "+r.Device.Storage), " "))
	if r.Device.Carrier != "" {
		row("Carrier", r.Device.Carrier)
	}
	row("IMEI", r.IMEI)

	pdf.Ln(2)
	pdf.SetFont("go", "B", 10)
	pdf.CellFormat(inner, 6, "The customer's answers", "B", 1, "L", false, 0, "")
	for _, a := range r.Answers {
		pdf.SetFont("go", "", 9)
		pdf.CellFormat(inner-30, 5, a.Question, "", 0, "L", false, 0, "")
		pdf.SetFont("go", "B", 9)
		pdf.CellFormat(30, 5, a.Answer, "", 1, "R", false, 0, "")
	}
	row("Condition", r.Condition.String())

	pdf.Ln(3)
	pdf.SetFillColor(235, 235, 235)
	pdf.SetFont("go", "B", 13)
	pdf.CellFormat(inner-45, 10, " Amount paid by "+payoutText(r.Payout), "", 0, "L", true, 0, "")
	pdf.CellFormat(45, 10, "$"+r.Amount.String()+" ", "", 1, "R", true, 0, "")
	pdf.Ln(5)

	// The reference as Code 128, bars 0.33 mm wide: a hand scanner reads
	// it off paper, and the bench's webcam reads it off a phone's photo.
	const module, barHeight = 0.33, 12.0
	symbol := float64(code.Width()-20) * module
	x0, y0 := margin+(inner-symbol)/2, pdf.GetY()
	x := x0
	pdf.SetFillColor(0, 0, 0)
	for _, bar := range code.Modules() {
		if bar {
			pdf.Rect(x, y0, module, barHeight, "F")
		}
		x += module
	}
	pdf.SetY(y0 + barHeight + 1)
	pdf.SetFont("go", "", 9)
	pdf.CellFormat(inner, 4.5, r.Reference, "", 1, "C", false, 0, "")
	pdf.Ln(4)

	terms := r.Business.Terms
	if strings.TrimSpace(terms) == "" {
		terms = DefaultTerms
	}
	pdf.SetFont("go", "", 7.5)
	pdf.MultiCell(inner, 3.6, terms, "", "L", false)

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("receipt %s: %w", r.Reference, err)
	}
	return buf.Bytes(), nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
