package barcode_test

import (
	"context"
	"image"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
	"github.com/intakebench/intakebench/intake"
)

type textFormat struct{ Text, Format string }

func want(codes []barcodetest.Code) []textFormat {
	var out []textFormat
	for _, c := range codes {
		out = append(out, textFormat{c.Text, c.Format.String()})
	}
	slices.SortFunc(out, cmpTF)
	return out
}

func got(bs []barcode.Barcode) []textFormat {
	var out []textFormat
	for _, b := range bs {
		out = append(out, textFormat{b.Text, b.Format})
	}
	slices.SortFunc(out, cmpTF)
	return out
}

func cmpTF(a, b textFormat) int {
	if a.Text != b.Text {
		if a.Text < b.Text {
			return -1
		}
		return 1
	}
	if a.Format < b.Format {
		return -1
	}
	if a.Format > b.Format {
		return 1
	}
	return 0
}

func label(t testing.TB, px int) *image.Gray {
	t.Helper()
	img, err := barcodetest.Label(barcodetest.PhoneBox(), px)
	require.NoError(t, err)
	return img
}

// TestPhoneBoxLabel decodes a rendered box label spoilt in the ways a
// webcam spoils it; every code on it must be found, and nothing else.
func TestPhoneBoxLabel(t *testing.T) {
	t.Parallel()
	all := want(barcodetest.PhoneBox())
	tests := []struct {
		name  string
		img   func(t testing.TB) *image.Gray
		quick bool // the quick pass alone finds them all
	}{
		{"module 2px", func(t testing.TB) *image.Gray { return label(t, 2) }, true},
		{"module 3px", func(t testing.TB) *image.Gray { return label(t, 3) }, true},
		{"module 5px", func(t testing.TB) *image.Gray { return label(t, 5) }, true},
		{"in a 1280x720 frame", func(t testing.TB) *image.Gray { return barcodetest.OnCanvas(label(t, 2), 1280, 720, 0.8) }, true},
		{"rotated 90", func(t testing.TB) *image.Gray { return barcodetest.Rotate(label(t, 2), 90) }, false},
		{"rotated 180", func(t testing.TB) *image.Gray { return barcodetest.Rotate(label(t, 2), 180) }, true},
		{"rotated 270", func(t testing.TB) *image.Gray { return barcodetest.Rotate(label(t, 2), 270) }, false},
		{"tilted 5", func(t testing.TB) *image.Gray { return barcodetest.Rotate(label(t, 3), 5) }, false},
		{"tilted -12", func(t testing.TB) *image.Gray { return barcodetest.Rotate(label(t, 3), -12) }, false},
		{"tilted 33", func(t testing.TB) *image.Gray { return barcodetest.Rotate(label(t, 3), 33) }, false},
		{"blurred", func(t testing.TB) *image.Gray { return barcodetest.Blur(label(t, 3), 1) }, true},
		{"noisy", func(t testing.TB) *image.Gray { return barcodetest.Noise(label(t, 3), 15, 7) }, true},
		{"low contrast", func(t testing.TB) *image.Gray { return barcodetest.Contrast(label(t, 3), 110, 160) }, true},
		{"tilted, blurred, noisy, dim frame", func(t testing.TB) *image.Gray {
			frame := barcodetest.OnCanvas(barcodetest.Rotate(label(t, 3), -7), 1280, 720, 0.85)
			return barcodetest.Contrast(barcodetest.Noise(barcodetest.Blur(frame, 1), 10, 3), 40, 200)
		}, false},
	}
	var dec barcode.Decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := tt.img(t)
			th, err := dec.Decode(context.Background(), img, barcode.Thorough)
			require.NoError(t, err)
			assert.Equal(t, all, got(th), "thorough")
			q, err := dec.Decode(context.Background(), img, barcode.Quick)
			require.NoError(t, err)
			if tt.quick {
				assert.Equal(t, all, got(q), "quick")
			} else {
				assert.Subset(t, all, got(q), "quick finds only real codes")
			}
			for _, b := range th {
				require.NotEmpty(t, b.Points, b.Text)
				for _, p := range b.Points {
					assert.True(t, p.In(img.Bounds().Inset(-2)), "%s point %v outside the image", b.Text, p)
				}
			}
		})
	}
}

// TestPointsLocateCodes checks that points come back in frame coordinates,
// also for codes read on rotated scan lines.
func TestPointsLocateCodes(t *testing.T) {
	t.Parallel()
	sym, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: "356938035643809"}, 3, 90)
	require.NoError(t, err)
	for _, deg := range []float64{0, 90, 180, 30} {
		img := barcodetest.Rotate(sym, deg)
		frame := image.NewGray(image.Rect(0, 0, img.Bounds().Dx()+400, img.Bounds().Dy()+300))
		for i := range frame.Pix {
			frame.Pix[i] = 255
		}
		at := image.Pt(300, 200) // the code's box inside the frame
		for y := range img.Bounds().Dy() {
			copy(frame.Pix[(at.Y+y)*frame.Stride+at.X:], img.Pix[y*img.Stride:y*img.Stride+img.Bounds().Dx()])
		}
		codes, err := barcode.Decoder{}.Decode(context.Background(), frame, barcode.Thorough)
		require.NoError(t, err)
		require.Len(t, codes, 1, "rotated %v", deg)
		box := img.Bounds().Add(at)
		for _, p := range codes[0].Points {
			assert.True(t, p.In(box.Inset(-3)), "rotated %v: point %v outside the code's box %v", deg, p, box)
		}
	}
}

// TestLabelIdentifiers feeds what the decoder read off a box label to the
// domain parser, as `intakebench decode` does: both IMEIs and the serial
// number come out as device identities, the EAN as a product code.
func TestLabelIdentifiers(t *testing.T) {
	t.Parallel()
	codes, err := barcode.Decoder{}.Decode(context.Background(), label(t, 2), barcode.Thorough)
	require.NoError(t, err)
	kinds := map[intake.IdentKind][]string{}
	for _, c := range codes {
		ids, err := intake.ParseScan(c.AIM + c.Text)
		if err != nil {
			continue
		}
		for _, id := range ids {
			if !slices.Contains(kinds[id.Kind], id.Value) {
				kinds[id.Kind] = append(kinds[id.Kind], id.Value)
			}
		}
	}
	box := barcodetest.PhoneBox()
	assert.ElementsMatch(t, []string{box[0].Text, box[1].Text}, kinds[intake.KindIMEI])
	assert.Contains(t, kinds[intake.KindSerial], box[2].Text)
	assert.Equal(t, []string{box[3].Text}, kinds[intake.KindEAN13])
}

// tightLabel is the frame issue 12 describes: a box label whose codes have
// only the 5-module margin of gozxing's writers, on a dark box, tilted 4°,
// a little soft and noisy, about 3.9 px a module in a 1280×720 webcam
// frame. gozxing's Code 128 reader wants half a start pattern (5.5
// modules) of white before a code, and the binarised line ran from the
// dark box straight into the bars: no line read it until wide dark runs
// were whitened.
func tightLabel(t testing.TB) (*image.Gray, []textFormat) {
	t.Helper()
	codes := []barcodetest.Code{
		{Format: gozxing.BarcodeFormat_CODE_128, Text: barcodetest.WithLuhn("35693803564380")},
		{Format: gozxing.BarcodeFormat_CODE_128, Text: barcodetest.WithLuhn("35693803564381")},
		{Format: gozxing.BarcodeFormat_EAN_13, Text: "4006381333931"},
	}
	const px = 4
	box := image.NewGray(image.Rect(0, 0, 900, 700))
	for i := range box.Pix {
		box.Pix[i] = 45 // the dark print of the box
	}
	y := 60
	for _, c := range codes {
		sym, err := barcodetest.Symbol(c, px, 36*px)
		require.NoError(t, err)
		paste(box, sym, 80, y)
		y += sym.Bounds().Dy() + 4*px
	}
	frame := barcodetest.OnCanvas(barcodetest.Rotate(box, 4), 1280, 720, 0.95)
	return barcodetest.Noise(barcodetest.GaussianBlur(frame, 0.9), 5, 11), want(codes)
}

func paste(dst, src *image.Gray, x0, y0 int) {
	for y := range src.Bounds().Dy() {
		copy(dst.Pix[(y0+y)*dst.Stride+x0:], src.Pix[y*src.Stride:y*src.Stride+src.Bounds().Dx()])
	}
}

func TestTightLabelOnADarkBox(t *testing.T) {
	t.Parallel()
	img, all := tightLabel(t)
	for _, e := range []barcode.Effort{barcode.Quick, barcode.Thorough} {
		codes, err := barcode.Decoder{}.Decode(context.Background(), img, e)
		require.NoError(t, err)
		assert.Equal(t, all, got(codes), "effort %v", e)
	}
}

// TestQuickReadsEveryDirection: the live pass finds the bars' direction,
// so a code turned any way, vertical included, reads as well as a
// horizontal one.
func TestQuickReadsEveryDirection(t *testing.T) {
	t.Parallel()
	imei := barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: barcodetest.WithLuhn("35693803564380")}
	sym, err := barcodetest.Symbol(imei, 3, 40*3)
	require.NoError(t, err)
	for _, deg := range []float64{0, 5, 17, 45, 88, 90, 93, 135, 200, 271} {
		frame := barcodetest.OnCanvas(barcodetest.Rotate(sym, deg), 1280, 720, 0.6)
		img := barcodetest.Noise(barcodetest.GaussianBlur(frame, 0.8), 6, uint64(deg))
		codes, err := barcode.Decoder{}.Decode(context.Background(), img, barcode.Quick)
		require.NoError(t, err)
		assert.Equal(t, want([]barcodetest.Code{imei}), got(codes), "turned %v°", deg)
	}
}
