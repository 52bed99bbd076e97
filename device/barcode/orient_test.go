package barcode

import (
	"image"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// TestBearings finds the direction across a Code 128's bars, whatever it
// is turned by, in a noisy 1280×720 frame with a QR code beside it (whose
// edges point every way and must not pull the estimate).
func TestBearings(t *testing.T) {
	t.Parallel()
	sym, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: "356938035643809"}, 3, 120)
	require.NoError(t, err)
	qr, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_QR_CODE, Text: "IMEI:356938035643809"}, 6, 0)
	require.NoError(t, err)
	tests := []struct {
		rotate float64 // counterclockwise
		want   float64 // the direction across the bars, image y down
	}{
		{0, 0}, {4, 176}, {37, 143}, {90, 90}, {123, 57}, {268, 92},
	}
	for _, tt := range tests {
		frame := image.NewGray(image.Rect(0, 0, 1280, 720))
		for i := range frame.Pix {
			frame.Pix[i] = 200
		}
		paste(frame, barcodetest.Rotate(sym, tt.rotate), 100, 40)
		paste(frame, qr, 1000, 400)
		img := barcodetest.Noise(barcodetest.GaussianBlur(frame, 0.8), 6, 3)
		brs := bearings(barBlocks(newGray(img)), 2)
		require.NotEmpty(t, brs, "rotated %v", tt.rotate)
		assert.InDelta(t, 0, angleDiff(brs[0].deg, tt.want), 2, "rotated %v: found %.1f°", tt.rotate, brs[0].deg)
	}
}

func paste(dst, src *image.Gray, x0, y0 int) {
	b := src.Bounds()
	for y := range b.Dy() {
		for x := range b.Dx() {
			if p := image.Pt(x0+x, y0+y); p.In(dst.Bounds()) {
				dst.Pix[p.Y*dst.Stride+p.X] = src.Pix[y*src.Stride+x]
			}
		}
	}
}

func TestAngleDiff(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ a, b, want float64 }{
		{0, 0, 0}, {1, 179, 2}, {10, 100, 90}, {170, 10, 20}, {45, 225, 0},
	} {
		assert.InDelta(t, tt.want, angleDiff(tt.a, tt.b), 1e-9, "%v %v", tt.a, tt.b)
	}
}

// result is a 1D read as a row decoder reports it, at x from..to on row y.
func result(text string, format gozxing.BarcodeFormat, from, to, y float64) *gozxing.Result {
	return gozxing.NewResult(text, nil, []gozxing.ResultPoint{gozxing.NewResultPoint(from, y), gozxing.NewResultPoint(to, y)}, format)
}

// TestCollectorNeedsAgreeingLines: a Code 128 counts once two different
// lines read it, an EAN-13 or UPC-A once three do; the same line read
// forwards, backwards or piece by piece is one line.
func TestCollectorNeedsAgreeingLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text   string
		format gozxing.BarcodeFormat
		lines  int
	}{
		{"356938035643809", gozxing.BarcodeFormat_CODE_128, 2},
		{"4006381333931", gozxing.BarcodeFormat_EAN_13, 3},
		{"031415926531", gozxing.BarcodeFormat_UPC_A, 3},
	}
	for _, tt := range tests {
		t.Run(tt.format.String(), func(t *testing.T) {
			t.Parallel()
			c := newCollector()
			line := c.newLine()
			for range 3 {
				c.addOnLine(result(tt.text, tt.format, 100, 300, 50), identity, line)
			}
			assert.Empty(t, c.barcodes(), "one line, read three times")
			for i := 2; i < tt.lines; i++ {
				c.addOnLine(result(tt.text, tt.format, 100, 300, float64(50+i)), identity, c.newLine())
				assert.Empty(t, c.barcodes(), "%d lines", i)
			}
			c.addOnLine(result(tt.text, tt.format, 100, 300, 60), identity, c.newLine())
			got := c.barcodes()
			require.Len(t, got, 1)
			assert.Equal(t, Barcode{Text: tt.text, Format: tt.format.String(), Points: []image.Point{{100, 50}, {300, 50}}}, got[0],
				"the first read's place")
		})
	}
}

// TestCollectorOutvotesAnEANMisread: of two EAN-13 readings of the same
// symbol the one fewer lines agree on goes; Code 128 codes stacked as
// close on a label both stay.
func TestCollectorOutvotesAnEANMisread(t *testing.T) {
	t.Parallel()
	c := newCollector()
	for i := range 6 {
		c.addOnLine(result("5030159003930", gozxing.BarcodeFormat_EAN_13, 84, 414, float64(336+i)), identity, c.newLine())
	}
	for i := range 2 {
		c.addOnLine(result("7034759003930", gozxing.BarcodeFormat_EAN_13, 84, 413, float64(290+i)), identity, c.newLine())
	}
	for _, y := range []float64{500, 501, 560, 561, 562} {
		text := "356938035643809"
		if y >= 560 {
			text = "356938035643817"
		}
		c.addOnLine(result(text, gozxing.BarcodeFormat_CODE_128, 84, 414, y), identity, c.newLine())
	}
	var texts []string
	for _, b := range c.barcodes() {
		texts = append(texts, b.Text)
	}
	assert.Equal(t, []string{"5030159003930", "356938035643809", "356938035643817"}, texts)
}
