// Package barcodetest renders barcode images for tests and benchmarks: a
// phone box label with several codes, and the ways a webcam spoils it
// (rotation, blur, noise, low contrast). The codes are drawn with gozxing's
// writers, so a test knows exactly what each image holds.
package barcodetest

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Code is one symbol to draw.
type Code struct {
	Format gozxing.BarcodeFormat
	Text   string
}

// WithLuhn appends the Luhn check digit that makes an IMEI valid.
func WithLuhn(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

// PhoneBox is what the back of a phone box carries: both IMEIs and the
// serial number in Code 128, the EAN-13 product code, and the same identity
// again in a QR code and a Data Matrix code.
func PhoneBox() []Code {
	imei1, imei2 := WithLuhn("35693803564380"), WithLuhn("35693803564381")
	return []Code{
		{gozxing.BarcodeFormat_CODE_128, imei1},
		{gozxing.BarcodeFormat_CODE_128, imei2},
		{gozxing.BarcodeFormat_CODE_128, "F2LXK0ABHG7F"},
		{gozxing.BarcodeFormat_EAN_13, "4006381333931"},
		{gozxing.BarcodeFormat_QR_CODE, "IMEI1:" + imei1 + ";IMEI2:" + imei2 + ";SN:F2LXK0ABHG7F"},
		{gozxing.BarcodeFormat_DATA_MATRIX, "SN F2LXK0ABHG7F"},
	}
}

// Symbol draws one code at module size px (pixels per bar module or per
// 2D cell), with its quiet zone; 1D bars are barHeight pixels tall.
func Symbol(c Code, px, barHeight int) (*image.Gray, error) {
	var (
		w   gozxing.Writer
		m   *gozxing.BitMatrix
		err error
	)
	switch c.Format {
	case gozxing.BarcodeFormat_CODE_128:
		w = oned.NewCode128Writer()
	case gozxing.BarcodeFormat_EAN_13:
		w = oned.NewEAN13Writer()
	case gozxing.BarcodeFormat_UPC_A:
		w = oned.NewUPCAWriter()
	case gozxing.BarcodeFormat_QR_CODE:
		w = qrcode.NewQRCodeWriter()
	case gozxing.BarcodeFormat_DATA_MATRIX:
		w = datamatrix.NewDataMatrixWriter()
	default:
		return nil, fmt.Errorf("barcodetest: no writer for %v", c.Format)
	}
	// Size 1 asks for the smallest drawing: one pixel per module.
	if m, err = w.Encode(c.Text, c.Format, 1, 1, nil); err != nil {
		return nil, fmt.Errorf("barcodetest: encoding %q as %v: %w", c.Text, c.Format, err)
	}
	mw, mh := m.GetWidth(), m.GetHeight()
	oneD := mh == 1
	quiet := 0
	if c.Format == gozxing.BarcodeFormat_DATA_MATRIX {
		quiet = 2 // the writer leaves none
	}
	outW := (mw + 2*quiet) * px
	outH := (mh + 2*quiet) * px
	if oneD {
		outH = barHeight
	}
	img := image.NewGray(image.Rect(0, 0, outW, outH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y := range outH {
		my := y/px - quiet
		if oneD {
			my = 0
		}
		for x := range outW {
			mx := x/px - quiet
			if mx >= 0 && my >= 0 && mx < mw && my < mh && m.Get(mx, my) {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	return img, nil
}

// Label lays codes out like a box label at module size px: 1D codes
// stacked on the left, 2D codes on the right.
func Label(codes []Code, px int) (*image.Gray, error) {
	var left, right []*image.Gray
	for _, c := range codes {
		twoD := c.Format == gozxing.BarcodeFormat_QR_CODE || c.Format == gozxing.BarcodeFormat_DATA_MATRIX
		scale := px
		if twoD {
			scale = 2 * px
		}
		s, err := Symbol(c, scale, 28*px)
		if err != nil {
			return nil, err
		}
		if twoD {
			right = append(right, s)
		} else {
			left = append(left, s)
		}
	}
	gap := 8 * px
	column := func(syms []*image.Gray) (w, h int) {
		for _, s := range syms {
			w = max(w, s.Bounds().Dx())
			h += s.Bounds().Dy() + gap
		}
		return w, h
	}
	lw, lh := column(left)
	rw, rh := column(right)
	img := image.NewGray(image.Rect(0, 0, lw+rw+3*gap, max(lh, rh)+gap))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	place := func(syms []*image.Gray, x int) {
		y := gap
		for _, s := range syms {
			draw.Draw(img, s.Bounds().Add(image.Pt(x, y)), s, image.Point{}, draw.Src)
			y += s.Bounds().Dy() + gap
		}
	}
	place(left, gap)
	place(right, lw+2*gap)
	return img, nil
}

// OnCanvas puts img in the middle of a w×h frame of grey desk, scaled
// (bilinear) so its longer side fills fill of the frame's.
func OnCanvas(img *image.Gray, w, h int, fill float64) *image.Gray {
	b := img.Bounds()
	s := fill * min(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	out := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{Y: 90}), image.Point{}, draw.Src)
	sw, sh := int(float64(b.Dx())*s), int(float64(b.Dy())*s)
	x0, y0 := (w-sw)/2, (h-sh)/2
	for y := range sh {
		for x := range sw {
			out.Pix[(y0+y)*out.Stride+x0+x] = bilinear(img, (float64(x)+0.5)/s-0.5, (float64(y)+0.5)/s-0.5, 255)
		}
	}
	return out
}

// Rotate turns img counterclockwise by degrees about its centre
// (bilinear), on white, enlarging the image to hold all of it.
func Rotate(img *image.Gray, degrees float64) *image.Gray {
	rad := degrees * math.Pi / 180
	// Snapped, so that quarter turns are exact and do not grow the image.
	cos, sin := math.Round(math.Cos(rad)*1e12)/1e12, math.Round(math.Sin(rad)*1e12)/1e12
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	ow := int(math.Ceil(math.Abs(w*cos) + math.Abs(h*sin)))
	oh := int(math.Ceil(math.Abs(w*sin) + math.Abs(h*cos)))
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	for y := range oh {
		for x := range ow {
			dx, dy := float64(x)+0.5-float64(ow)/2, float64(y)+0.5-float64(oh)/2
			// Inverse rotation: where in the source does (x, y) come from?
			sx := dx*cos - dy*sin + w/2 - 0.5
			sy := dx*sin + dy*cos + h/2 - 0.5
			out.Pix[y*out.Stride+x] = bilinear(img, sx, sy, 255)
		}
	}
	return out
}

func bilinear(img *image.Gray, x, y float64, outside uint8) uint8 {
	b := img.Bounds()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= b.Dx() || y >= b.Dy() {
			return float64(outside)
		}
		return float64(img.Pix[y*img.Stride+x])
	}
	v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
	return uint8(math.Round(v))
}

// Blur is a box blur of the given radius, applied twice (close to a
// Gaussian), like an out-of-focus webcam.
func Blur(img *image.Gray, radius int) *image.Gray {
	out := img
	for range 2 {
		out = boxPass(boxPass(out, radius, true), radius, false)
	}
	return out
}

func boxPass(img *image.Gray, r int, horizontal bool) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	n, m := w, h
	if !horizontal {
		n, m = h, w
	}
	at := func(i, j int) int { // i along the pass, j across it
		i = min(max(i, 0), n-1)
		if horizontal {
			return int(img.Pix[j*img.Stride+i])
		}
		return int(img.Pix[i*img.Stride+j])
	}
	for j := range m {
		sum := 0
		for i := -r; i <= r; i++ {
			sum += at(i, j)
		}
		for i := range n {
			v := uint8(sum / (2*r + 1))
			if horizontal {
				out.Pix[j*out.Stride+i] = v
			} else {
				out.Pix[i*out.Stride+j] = v
			}
			sum += at(i+r+1, j) - at(i-r, j)
		}
	}
	return out
}

// Noise adds Gaussian sensor noise of standard deviation sigma.
func Noise(img *image.Gray, sigma float64, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := image.NewGray(img.Bounds())
	for i, p := range img.Pix {
		v := float64(p) + rng.NormFloat64()*sigma
		out.Pix[i] = uint8(min(max(math.Round(v), 0), 255))
	}
	return out
}

// Contrast squeezes black..white into lo..hi, like a dim, washed-out frame.
func Contrast(img *image.Gray, lo, hi uint8) *image.Gray {
	out := image.NewGray(img.Bounds())
	for i, p := range img.Pix {
		out.Pix[i] = lo + uint8(int(p)*int(hi-lo)/255)
	}
	return out
}
