package barcode

import (
	"math/bits"

	"github.com/makiuchi-d/gozxing"
)

// matrixBinarizer serves a region of a frame that is already binarised, so
// that looking again in a tile, or around a code already found, costs a
// copy of bits rather than a new binarisation.
type matrixBinarizer struct {
	src gozxing.LuminanceSource
	m   *gozxing.BitMatrix
}

func (b *matrixBinarizer) GetLuminanceSource() gozxing.LuminanceSource { return b.src }
func (b *matrixBinarizer) GetWidth() int                               { return b.m.GetWidth() }
func (b *matrixBinarizer) GetHeight() int                              { return b.m.GetHeight() }

func (b *matrixBinarizer) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	return b.m.GetRow(y, row), nil
}

func (b *matrixBinarizer) GetBlackMatrix() (*gozxing.BitMatrix, error) { return b.m, nil }

func (b *matrixBinarizer) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return newHybrid(src)
}

// region is part of a frame with its binarisation, offset from the frame's
// top left corner.
type region struct {
	lum    gozxing.LuminanceSource
	m      *gozxing.BitMatrix
	x0, y0 int
}

func (r region) bitmap() (*gozxing.BinaryBitmap, error) {
	return gozxing.NewBinaryBitmap(&matrixBinarizer{src: r.lum, m: r.m})
}

// crop is BinaryBitmap.Crop without binarising the crop again.
func (r region) crop(left, top, w, h int) (region, error) {
	lum, err := r.lum.Crop(left, top, w, h)
	if err != nil {
		return region{}, err
	}
	m, err := gozxing.NewBitMatrix(w, h)
	if err != nil {
		return region{}, err
	}
	var src *gozxing.BitArray
	dst := gozxing.NewBitArray(w)
	dw := dst.GetBitArray()
	base, shift := left/32, uint(left%32)
	for y := range h {
		src = r.m.GetRow(top+y, src)
		sw := src.GetBitArray()
		for i := range dw {
			word := sw[base+i] >> shift
			if shift > 0 && base+i+1 < len(sw) {
				word |= sw[base+i+1] << (32 - shift)
			}
			dw[i] = word
		}
		if tail := w % 32; tail != 0 {
			dw[len(dw)-1] &= 1<<tail - 1
		}
		m.SetRow(y, dst)
	}
	return region{lum: lum, m: m, x0: r.x0 + left, y0: r.y0 + top}, nil
}

// edges counts black/white transitions along a row. A 1D code has dozens
// (EAN-8, the shortest here, has 44), so a row with few cannot hold one and
// is not worth a reader's time.
func edges(row *gozxing.BitArray) int {
	words := row.GetBitArray()
	n, carry := 0, uint32(0)
	for _, w := range words {
		n += bits.OnesCount32(w ^ (w<<1 | carry))
		carry = w >> 31
	}
	return n
}
