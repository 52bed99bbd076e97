package label_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/label"
	"github.com/intakebench/intakebench/label/zpltest"
)

// receiptKey's unit id is unitID (see intake's TestUnitIDFor).
const (
	receiptKey = "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"
	unitID     = "U-5936715130527394"
)

func knownUnit() label.Unit {
	return label.Unit{ID: unitID, Reference: "TI-2026-004211", IMEI: "356938035643809",
		Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Grade: "B/F0 good",
		Destination: label.ToStock, At: time.Date(2026, 6, 4, 10, 0, 0, 0, time.UTC), Bench: "bench-7"}
}

func TestEncodeCode128(t *testing.T) {
	tests := []struct {
		text    string
		symbols []int
		zpl     string
	}{
		// Start B, U, -, Code C, eight digit pairs, check 31, stop.
		{unitID, []int{104, 53, 13, 99, 59, 36, 71, 51, 30, 52, 73, 94, 31, 106}, ">:U->55936715130527394"},
		// An odd run of digits at the start: its first digit in B.
		{"12345", []int{104, 17, 99, 23, 45, 53, 106}, ">:1>52345"},
		// Four digits at the start are worth subset C, a letter after is B.
		{"1234A", []int{105, 12, 34, 100, 33, 102, 106}, ">;1234>6A"},
		// Three digits inside are not worth switching, six are.
		{"A123456A", []int{104, 33, 99, 12, 34, 56, 100, 33, 73, 106}, ">:A>5123456>6A"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c, err := label.EncodeCode128(tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.symbols, c.Symbols)
			assert.Equal(t, tt.zpl, c.ZPLData)
		})
	}
	for _, bad := range []string{"", "A>B", "A^B", "A~B", "é", "A\nB"} {
		_, err := label.EncodeCode128(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestZPLOfAKnownUnit(t *testing.T) {
	l, err := label.Lay(knownUnit(), label.Spec{Size: label.Size2x1, DPI: 203})
	require.NoError(t, err)
	assert.Equal(t, `^XA
^CI28
^PW406
^LL203
^LH0,0
^FO32,10^BY2^BCN,67,N,N,N,N^FD>:U->55936715130527394^FS
^FO12,162^GB382,32,32^FS
^FO12,83^A0N,22,22^FB382,1,0,L,0^FH_^FDU-5936715130527394^FS
^FO276,85^A0N,16,16^FB118,1,0,R,0^FH_^FD2026-06-04^FS
^FO12,110^A0N,20,20^FB382,1,0,L,0^FH_^FDApple iPhone 13 128GB^FS
^FO12,134^A0N,20,20^FB382,1,0,L,0^FH_^FDIMEI 356938035643809^FS
^FO276,136^A0N,16,16^FB118,1,0,R,0^FH_^FDbench-7^FS
^FO20,165^A0N,26,26^FB185,1,0,L,0^FR^FH_^FDSTOCK^FS
^FO213,167^A0N,20,20^FB173,1,0,R,0^FR^FH_^FDB/F0 good^FS
^XZ
`, string(l.ZPL()))
}

func TestZPLReadsBackForEverySize(t *testing.T) {
	tests := []struct {
		size          label.Size
		dpi           int
		width, height int
		module        int
	}{
		{label.Size2x1, 203, 406, 203, 2},
		{label.Size2x1, 300, 600, 300, 3},
		{label.Size4x2, 203, 812, 406, 4},
		{label.Size4x2, 300, 1200, 600, 6},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s@%d", tt.size.Name, tt.dpi), func(t *testing.T) {
			l, err := label.Lay(knownUnit(), label.Spec{Size: tt.size, DPI: tt.dpi})
			require.NoError(t, err)
			fs, err := zpltest.Parse(l.ZPL())
			require.NoError(t, err)
			require.Len(t, fs, 1)
			f := fs[0]
			assert.Equal(t, tt.width, f.Width)
			assert.Equal(t, tt.height, f.Height)
			assert.Equal(t, tt.module, f.Module)
			assert.Equal(t, unitID, f.Barcode)
			assert.Contains(t, f.Texts, unitID)
			assert.Contains(t, f.Texts, "Apple iPhone 13 128GB")
			assert.Contains(t, f.Texts, "IMEI 356938035643809")
			assert.Contains(t, f.Texts, "STOCK")
		})
	}
}

// TestPictureDecodesToTheUnitID reads each size's picture with the bench's
// own barcode reader, the one its webcam uses, and parses what it read as
// a scan: the label opens its unit.
func TestPictureDecodesToTheUnitID(t *testing.T) {
	for _, size := range []label.Size{label.Size2x1, label.Size4x2} {
		for _, dpi := range []int{203, 300} {
			t.Run(fmt.Sprintf("%s@%d", size.Name, dpi), func(t *testing.T) {
				l, err := label.Lay(knownUnit(), label.Spec{Size: size, DPI: dpi})
				require.NoError(t, err)
				img, err := l.Image()
				require.NoError(t, err)
				assert.Equal(t, l.Width, img.Bounds().Dx())
				codes, err := barcode.Decoder{}.Decode(context.Background(), img, barcode.Quick)
				require.NoError(t, err)
				require.Len(t, codes, 1)
				assert.Equal(t, "CODE_128", codes[0].Format)
				assert.Equal(t, unitID, codes[0].Text)
				ids, err := intake.ParseScan(codes[0].AIM + codes[0].Text)
				require.NoError(t, err)
				assert.Equal(t, []intake.Identifier{{Kind: intake.KindUnit, Value: unitID}}, ids)
			})
		}
	}
}

func TestFieldsCannotInjectZPL(t *testing.T) {
	u := knownUnit()
	u.Device = intake.Device{Make: "Evil^XZ^XA", Model: "~JR\nmodel_1", Storage: "64GB"}
	l, err := label.Lay(u, label.Spec{Size: label.Size4x2, DPI: 203})
	require.NoError(t, err)
	fs, err := zpltest.Parse(l.ZPL())
	require.NoError(t, err)
	require.Len(t, fs, 1, "one label, whatever the model name holds")
	assert.Contains(t, fs[0].Texts, "Evil^XZ^XA ~JR model_1 64GB")
	assert.NotContains(t, string(l.ZPL()), "~JR")
}

func TestLongTextIsCutToItsField(t *testing.T) {
	u := knownUnit()
	u.Device.Model = "Galaxy Z Fold6 Special Edition Extra Long Name Ultra"
	l, err := label.Lay(u, label.Spec{Size: label.Size2x1, DPI: 203})
	require.NoError(t, err)
	fs, err := zpltest.Parse(l.ZPL())
	require.NoError(t, err)
	assert.Contains(t, fs[0].Texts, "Apple Galaxy Z Fold6 Special Edition E")
}

func TestLayRefusesWhatIsNoUnitID(t *testing.T) {
	u := knownUnit()
	u.ID = "356938035643809"
	_, err := label.Lay(u, label.Spec{Size: label.Size2x1, DPI: 203})
	assert.EqualError(t, err, `label of "356938035643809": not a unit id`)
}

func TestParseSpec(t *testing.T) {
	s, err := label.ParseSpec("4x2", 300)
	require.NoError(t, err)
	assert.Equal(t, label.Spec{Size: label.Size4x2, DPI: 300}, s)
	_, err = label.ParseSpec("3x1", 203)
	assert.EqualError(t, err, `label size "3x1": want 2x1 or 4x2`)
	_, err = label.ParseSpec("2x1", 600)
	assert.EqualError(t, err, "label printer resolution 600 dpi: want 203 or 300")
}

func TestDestinations(t *testing.T) {
	at := time.Date(2026, 6, 4, 10, 0, 0, 0, time.UTC)
	tradeIn := intake.TradeIn{ID: "t1", Reference: "TI-1", Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}}
	walkIn := intake.TradeIn{ID: "t2", Reference: "WI-E9E1D676", Disclosed: intake.ConditionGood}
	r := intake.Receipt{TradeInID: "t1", IMEI: "356938035643809", Bench: "bench-7", At: at, EventKey: receiptKey}
	graded := &intake.Grading{Grade: intake.Grade{Cosmetic: intake.CosmeticB, Functional: 0, Condition: intake.ConditionGood}}
	rerouted := &intake.Grading{Grade: intake.Grade{Cosmetic: intake.CosmeticD, Functional: 1, Condition: intake.ConditionPoor},
		Decision: intake.Decision{Reroute: true}}
	tests := []struct {
		name      string
		t         intake.TradeIn
		g         *intake.Grading
		state     intake.UnitState
		wantDest  label.Destination
		wantGrade string
	}{
		{"received", tradeIn, nil, intake.UnitReceived, label.ToGrading, ""},
		{"graded", tradeIn, graded, intake.UnitGraded, label.ToStock, "B/F0 good"},
		{"rerouted", tradeIn, rerouted, intake.UnitRerouted, label.ToReturns, "D/F1 poor"},
		{"more photos asked", tradeIn, rerouted, intake.UnitPhotosRequested, label.ToReview, "D/F1 poor"},
		{"override-accepted", tradeIn, rerouted, intake.UnitAccepted, label.ToStock, "D/F1 poor"},
		{"declined", tradeIn, rerouted, intake.UnitDeclined, label.ToReturns, "D/F1 poor"},
		{"a walk-in", walkIn, nil, intake.UnitReceived, label.ToStock, "disclosed good"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := label.FromReceipt(tt.t, r, tt.g, tt.state)
			assert.Equal(t, unitID, u.ID)
			assert.Equal(t, tt.wantDest, u.Destination)
			assert.Equal(t, tt.wantGrade, u.Grade)
			assert.Equal(t, "356938035643809", u.IMEI)
			assert.Equal(t, "bench-7", u.Bench)
		})
	}
	q := label.FromQuarantine(intake.QuarantinedDevice{
		Identifiers: []intake.Identifier{{Kind: intake.KindSerial, Value: "F2LXK0ABHG7F"}, {Kind: intake.KindIMEI, Value: "356938035643809"}},
		Flag:        &intake.Flag{Kind: intake.FlagBlacklisted}, Bench: "bench-7", At: at, EventKey: receiptKey})
	assert.Equal(t, label.Unit{ID: unitID, IMEI: "356938035643809", Grade: "blacklisted", Destination: label.ToQuarantine, At: at, Bench: "bench-7"}, q)
}
