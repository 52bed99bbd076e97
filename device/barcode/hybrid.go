package barcode

import (
	"github.com/makiuchi-d/gozxing"
)

// hybrid is ZXing's HybridBinarizer, bit for bit, written for speed: the
// gozxing port sets one bit at a time through a method call and keeps the
// black points in a slice of slices, which made binarising a 720p frame
// the largest cost of the live pass. Like the original it binarises
// lazily, once, and falls back to the global histogram for tiny images.
type hybrid struct {
	src gozxing.LuminanceSource
	m   *gozxing.BitMatrix
}

func newHybrid(src gozxing.LuminanceSource) *hybrid { return &hybrid{src: src} }

func (h *hybrid) GetLuminanceSource() gozxing.LuminanceSource { return h.src }
func (h *hybrid) GetWidth() int                               { return h.src.GetWidth() }
func (h *hybrid) GetHeight() int                              { return h.src.GetHeight() }

func (h *hybrid) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return newHybrid(src)
}

// GetBlackRow is the global histogram's, as in ZXing: 1D readers want
// its sharpening, not the 2D blocks.
func (h *hybrid) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	return gozxing.NewGlobalHistgramBinarizer(h.src).GetBlackRow(y, row)
}

// ZXing's constants: 8×8 blocks, thresholds averaged over 5×5 blocks, and
// a block whose range is at most 24 grey levels is taken to be flat.
const (
	hbBlockPower = 3
	hbBlock      = 1 << hbBlockPower
	hbMinDim     = hbBlock * 5
	hbMinRange   = 24
)

func (h *hybrid) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	if h.m != nil {
		return h.m, nil
	}
	w, ht := h.src.GetWidth(), h.src.GetHeight()
	if w < hbMinDim || ht < hbMinDim {
		m, err := gozxing.NewGlobalHistgramBinarizer(h.src).GetBlackMatrix()
		if err != nil {
			return nil, err
		}
		h.m = m
		return m, nil
	}
	lum := h.src.GetMatrix()
	subW, subH := (w+hbBlock-1)>>hbBlockPower, (ht+hbBlock-1)>>hbBlockPower
	bp := blackPoints(lum, subW, subH, w, ht)
	m, err := gozxing.NewBitMatrix(w, ht)
	if err != nil {
		return nil, err
	}
	rowSize := m.GetRowSize()
	words := make([]uint32, rowSize*ht)
	maxY, maxX := ht-hbBlock, w-hbBlock
	for y := range subH {
		yoff := min(y<<hbBlockPower, maxY)
		top := min(max(y, 2), subH-3)
		for x := range subW {
			xoff := min(x<<hbBlockPower, maxX)
			left := min(max(x, 2), subW-3)
			sum := 0
			for z := -2; z <= 2; z++ {
				r := bp[(top+z)*subW+left-2 : (top+z)*subW+left+3]
				sum += r[0] + r[1] + r[2] + r[3] + r[4]
			}
			t := sum / 25
			for yy := range hbBlock {
				src := lum[(yoff+yy)*w+xoff : (yoff+yy)*w+xoff+hbBlock : (yoff+yy)*w+xoff+hbBlock]
				// Eight pixels make a byte of the row, without branches:
				// (t-p)>>63 is -1 when p > t, 0 when black (<=, so that
				// black is black even at threshold 0).
				var b uint32
				for xx, p := range src {
					b |= uint32((t-int(p))>>63+1) << xx
				}
				dst := words[(yoff+yy)*rowSize:]
				if xoff&7 == 0 {
					dst[xoff>>5] |= b << (xoff & 31)
					continue
				}
				// The last, overlapping block of a row that is not a
				// multiple of 8 wide.
				for xx := range hbBlock {
					if b&(1<<xx) != 0 {
						px := xoff + xx
						dst[px>>5] |= 1 << (px & 31)
					}
				}
			}
		}
	}
	row := gozxing.NewBitArray(w)
	bits := row.GetBitArray()
	for y := range ht {
		copy(bits, words[y*rowSize:(y+1)*rowSize])
		m.SetRow(y, row)
	}
	h.m = m
	return m, nil
}

// blackPoints is ZXing's calculateBlackPoints over a flat array.
func blackPoints(lum []byte, subW, subH, w, ht int) []int {
	maxY, maxX := ht-hbBlock, w-hbBlock
	bp := make([]int, subW*subH)
	for y := range subH {
		yoff := min(y<<hbBlockPower, maxY)
		for x := range subW {
			xoff := min(x<<hbBlockPower, maxX)
			sum, lo, hi := 0, 0xff, 0
			for yy := range hbBlock {
				for _, p := range lum[(yoff+yy)*w+xoff : (yoff+yy)*w+xoff+hbBlock] {
					v := int(p)
					sum += v
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			avg := sum >> (2 * hbBlockPower)
			if hi-lo <= hbMinRange {
				// A flat block: paper, unless its neighbours say it is
				// inside a dark patch (see ZXing's HybridBinarizer).
				avg = lo / 2
				if y > 0 && x > 0 {
					nb := (bp[(y-1)*subW+x] + 2*bp[y*subW+x-1] + bp[(y-1)*subW+x-1]) / 4
					if lo < nb {
						avg = nb
					}
				}
			}
			bp[y*subW+x] = avg
		}
	}
	return bp
}
