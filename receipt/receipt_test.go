package receipt_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/camera"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/receipt"
)

func walkIn() receipt.Receipt {
	d := intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearLight, Body: intake.WearNone, BatteryOK: true}
	t := intake.TradeIn{ID: "t1", Reference: "WI-E9E1D676", Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
		Customer: intake.Customer{Name: "Zoë Ødegård"}, Disclosed: intake.ConditionGood, Answers: d.Answers(), Offer: 32000}
	r := intake.Receipt{TradeInID: "t1", IMEI: "356938035643809", Bench: "counter-1", At: time.Date(2026, 6, 4, 14, 30, 0, 0, time.UTC)}
	b := receipt.Business{Name: "Phone Swap Ltd", Address: "12 High Street\nCambridge CB2 1TN", Phone: "01223 000000"}
	return receipt.FromWalkIn(b, t, r, intake.Payout{Method: intake.PayoutCash, Amount: 32000}, "Carl Clerk")
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (Debian: poppler-utils)", name)
	}
	return p
}

// TestReceiptReadsBack turns the PDF to text and to a picture with
// poppler, as a customer's viewer would, and reads its barcode with the
// bench's own reader.
func TestReceiptReadsBack(t *testing.T) {
	pdftotext, pdftoppm := tool(t, "pdftotext"), tool(t, "pdftoppm")
	pdf, err := walkIn().PDF()
	require.NoError(t, err)
	dir := t.TempDir()
	file := filepath.Join(dir, "receipt.pdf")
	require.NoError(t, os.WriteFile(file, pdf, 0o600))

	out, err := exec.Command(pdftotext, "-layout", file, "-").Output()
	require.NoError(t, err)
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		"Phone Swap Ltd", "12 High Street", "Cambridge CB2 1TN",
		"Trade-in receipt WI-E9E1D676", "4 June 2026, 14:30 UTC", "Customer Zoë Ødegård", "Clerk Carl Clerk at counter-1",
		"Device Apple iPhone 13 128GB", "IMEI 356938035643809",
		"Screen condition light", "Condition good",
		"Amount paid by cash $320.00", "quote its reference",
	} {
		assert.Contains(t, text, want)
	}

	require.NoError(t, exec.Command(pdftoppm, "-r", "150", "-gray", "-png", "-singlefile", file, filepath.Join(dir, "page")).Run())
	img, err := camera.ReadImage(filepath.Join(dir, "page.png"))
	require.NoError(t, err)
	codes, err := barcode.Decoder{}.Decode(context.Background(), img, barcode.Thorough)
	require.NoError(t, err)
	require.Len(t, codes, 1)
	assert.Equal(t, "WI-E9E1D676", codes[0].Text)
}

func TestReceiptNeedsAPrintableReference(t *testing.T) {
	r := walkIn()
	r.Reference = "WI>1"
	_, err := r.PDF()
	assert.EqualError(t, err, `receipt WI>1: code 128: '>' cannot be printed in "WI>1"`)
}
