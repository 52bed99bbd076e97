package barcode

import (
	"errors"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
)

// gray is an 8-bit luminance plane, the one conversion a frame gets: every
// reader, row scan and crop of the frame shares it. It implements
// gozxing.LuminanceSource without copying for rows, crops or the matrix of
// a whole frame.
type gray struct {
	gozxing.LuminanceSourceBase
	pix       []byte
	stride    int
	left, top int
}

// newGray converts img to luminance, with fast paths for the layouts frame
// sources produce (the Y plane of YCbCr or a Gray image is used as is).
func newGray(img image.Image) *gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		return wrapGray(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h)
	case *image.YCbCr:
		return wrapGray(m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, w, h)
	}
	pix := make([]byte, w*h)
	switch m := img.(type) {
	case *image.RGBA:
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := pix[y*w : (y+1)*w]
			for x := range out {
				p := row[4*x : 4*x+4 : 4*x+4]
				// Premultiplied: transparent areas read as white paper.
				out[x] = byte((int(p[0])+2*int(p[1])+int(p[2]))/4 + 255 - int(p[3]))
			}
		}
	case *image.NRGBA:
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := pix[y*w : (y+1)*w]
			for x := range out {
				p := row[4*x : 4*x+4 : 4*x+4]
				lum, a := (int(p[0])+2*int(p[1])+int(p[2]))/4, int(p[3])
				out[x] = byte((lum*a + 255*(255-a)) / 255)
			}
		}
	case *image.Paletted:
		var lut [256]byte
		for i, c := range m.Palette {
			lut[i] = lumOf(c)
		}
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := pix[y*w : (y+1)*w]
			for x := range out {
				out[x] = lut[row[x]]
			}
		}
	default:
		for y := range h {
			for x := range w {
				pix[y*w+x] = lumOf(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return wrapGray(pix, w, w, h)
}

// lumOf is the luminance of c over white paper. (gozxing's own conversion
// applies alpha to colours that are already premultiplied.)
func lumOf(c color.Color) byte {
	r, g, b, a := c.RGBA() // premultiplied, 16 bits
	return byte(((r+2*g+b)/4 + 0xffff - a) >> 8)
}

func wrapGray(pix []byte, stride, w, h int) *gray {
	return &gray{
		LuminanceSourceBase: gozxing.LuminanceSourceBase{Width: w, Height: h},
		pix:                 pix,
		stride:              stride,
	}
}

func (g *gray) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= g.Height {
		return nil, errors.New("barcode: row outside the image")
	}
	off := (g.top+y)*g.stride + g.left
	if cap(row) < g.Width {
		row = make([]byte, g.Width)
	}
	row = row[:g.Width]
	copy(row, g.pix[off:off+g.Width])
	return row, nil
}

func (g *gray) GetMatrix() []byte {
	if g.left == 0 && g.top == 0 && g.stride == g.Width {
		return g.pix[:g.Width*g.Height]
	}
	m := make([]byte, g.Width*g.Height)
	for y := range g.Height {
		off := (g.top+y)*g.stride + g.left
		copy(m[y*g.Width:(y+1)*g.Width], g.pix[off:off+g.Width])
	}
	return m
}

func (g *gray) IsCropSupported() bool { return true }

func (g *gray) Crop(left, top, width, height int) (gozxing.LuminanceSource, error) {
	if left < 0 || top < 0 || width <= 0 || height <= 0 || left+width > g.Width || top+height > g.Height {
		return nil, errors.New("barcode: crop outside the image")
	}
	c := *g
	c.left, c.top = g.left+left, g.top+top
	c.Width, c.Height = width, height
	return &c, nil
}

func (g *gray) Invert() gozxing.LuminanceSource { return gozxing.LuminanceSourceInvert(g) }

func (g *gray) IsRotateSupported() bool { return true }

// RotateCounterClockwise copies: a 90° turn is only taken on the thorough
// pass, for vertical 1D codes.
func (g *gray) RotateCounterClockwise() (gozxing.LuminanceSource, error) {
	w, h := g.Width, g.Height
	out := make([]byte, w*h)
	for y := range h {
		src := g.pix[(g.top+y)*g.stride+g.left:]
		for x := range w {
			// (x, y) lands at (y, w-1-x) in the h-wide result.
			out[(w-1-x)*h+y] = src[x]
		}
	}
	return wrapGray(out, h, h, w), nil
}

func (g *gray) RotateCounterClockwise45() (gozxing.LuminanceSource, error) {
	return nil, errors.New("barcode: 45° rotation is not supported")
}

func (g *gray) String() string { return gozxing.LuminanceSourceString(g) }

// levels stretches a washed-out frame so its darkest 1% is black and its
// brightest 1% white. The hybrid binariser takes a flat block to be paper
// and sets its black point at half its level, which is right when ink is
// near black; when a dim or foggy frame lifts the ink to mid grey, flat
// blocks of ink inside a 2D code come out white.
//
// The stretched copy goes in *buf, reused when it is large enough (a
// Reader keeps it from frame to frame); buf nil allocates one.
func (g *gray) levels(buf *[]byte) *gray {
	var hist [256]int
	n := 0
	// A sparse sample is plenty for percentiles and keeps this cheap.
	for y := 0; y < g.Height; y += 4 {
		row := g.pix[(g.top+y)*g.stride+g.left:]
		for x := 0; x < g.Width; x += 4 {
			hist[row[x]]++
			n++
		}
	}
	lo, hi := percentile(&hist, n, 0.01), percentile(&hist, n, 0.99)
	if lo < 32 && hi-lo >= 128 || hi <= lo {
		return g
	}
	var lut [256]byte
	for i := range lut {
		v := (i - lo) * 255 / (hi - lo)
		lut[i] = byte(min(max(v, 0), 255))
	}
	if buf == nil {
		buf = new([]byte)
	}
	*buf = grow(*buf, g.Width*g.Height)
	out := *buf
	for y := range g.Height {
		off := (g.top+y)*g.stride + g.left
		row := g.pix[off : off+g.Width]
		dst := out[y*g.Width : (y+1)*g.Width]
		dst = dst[:len(row)]
		for x, p := range row {
			dst[x] = lut[p]
		}
	}
	return wrapGray(out, g.Width, g.Width, g.Height)
}

func percentile(hist *[256]int, n int, q float64) int {
	want, seen := int(q*float64(n)), 0
	for v, c := range hist {
		seen += c
		if seen > want {
			return v
		}
	}
	return 255
}
