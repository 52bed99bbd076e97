package barcode

import (
	"encoding/binary"

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
	s   *hybridScratch // nil: fresh buffers
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
	s := h.s
	if s == nil {
		s = new(hybridScratch)
	}
	lum := h.src.GetMatrix()
	subW, subH := (w+hbBlock-1)>>hbBlockPower, (ht+hbBlock-1)>>hbBlockPower
	s.bp = grow(s.bp, subW*subH)
	bp := s.bp
	blackPoints(lum, bp, subW, subH, w, ht)
	m := s.m
	if m == nil || m.GetWidth() != w || m.GetHeight() != ht {
		var err error
		if m, err = gozxing.NewBitMatrix(w, ht); err != nil {
			return nil, err
		}
		s.m = m
	}
	rowSize := m.GetRowSize()
	// One row of blocks at a time: eight rows of the matrix, set whole.
	if s.rows[0] == nil || s.rows[0].GetSize() != w {
		for i := range s.rows {
			s.rows[i] = gozxing.NewBitArray(w)
		}
	}
	maxY, maxX := ht-hbBlock, w-hbBlock
	for y := range subH {
		yoff := min(y<<hbBlockPower, maxY)
		top := min(max(y, 2), subH-3)
		for yy := range s.rows {
			// The last row of blocks of a frame whose height is not a
			// multiple of 8 overlaps the one before, and adds its black
			// to that one's rather than replacing it, as in ZXing.
			if yoff+yy < y<<hbBlockPower {
				s.rows[yy] = m.GetRow(yoff+yy, s.rows[yy])
			} else {
				clear(s.rows[yy].GetBitArray())
			}
		}
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
				b := blackByte(binary.LittleEndian.Uint64(lum[(yoff+yy)*w+xoff:]), t)
				dst := s.rows[yy].GetBitArray()[:rowSize]
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
		for yy := range s.rows {
			m.SetRow(yoff+yy, s.rows[yy])
		}
	}
	h.m = m
	return m, nil
}

// hybridScratch is the binariser's working memory, kept by a Reader: the
// matrix it returns is only good until the Reader's next frame.
type hybridScratch struct {
	bp   []int
	m    *gozxing.BitMatrix
	rows [hbBlock]*gozxing.BitArray
}

// SWAR constants: four 16-bit lanes in a uint64, each holding a byte.
const (
	lanes16   = 0x00ff00ff00ff00ff
	laneOnes  = 0x0001000100010001
	laneSigns = 0x8000800080008000
)

// blackByte thresholds eight pixels, little-endian in v, at t: bit i of
// the result is set when pixel i is at most t (black, as in ZXing, so
// that black is black even at threshold 0). Even and odd pixels go to
// 16-bit lanes, where adding 255-t carries into a lane's bit 8 exactly
// when the pixel is above t; multiplying by 1<<48 + 1<<34 + 1<<20 + 1<<6
// gathers the four lanes' bits 8 to bits 56, 58, 60 and 62 without
// carries between them.
func blackByte(v uint64, t int) uint32 {
	if t >= 255 {
		return 0xff
	}
	k := uint64(255-t) * laneOnes
	even := (v&lanes16 + k) >> 8 & laneOnes
	odd := (v>>8&lanes16 + k) >> 8 & laneOnes
	const gather = 1<<48 | 1<<34 | 1<<20 | 1<<6
	white := (even*gather)>>48&0x55 | (odd*gather)>>47&0xaa
	return uint32(^white & 0xff)
}

// blackPoints is ZXing's calculateBlackPoints over a flat array, into bp.
// Each block's sum, minimum and maximum are taken eight pixels at a time
// in four 16-bit lanes for the even pixels and four for the odd ones.
func blackPoints(lum []byte, bp []int, subW, subH, w, ht int) {
	maxY, maxX := ht-hbBlock, w-hbBlock
	for y := range subH {
		yoff := min(y<<hbBlockPower, maxY)
		for x := range subW {
			xoff := min(x<<hbBlockPower, maxX)
			var sum, hi uint64
			lo := uint64(lanes16)
			for yy := range hbBlock {
				v := binary.LittleEndian.Uint64(lum[(yoff+yy)*w+xoff:])
				even, odd := v&lanes16, v>>8&lanes16
				sum += even + odd
				lo = minLanes(minLanes(lo, even), odd)
				hi = maxLanes(maxLanes(hi, even), odd)
			}
			lo = minLanes(lo, lo>>32)
			lo = minLanes(lo, lo>>16) & 0xffff
			hi = maxLanes(hi, hi>>32)
			hi = maxLanes(hi, hi>>16) & 0xffff
			avg := int((sum*laneOnes)>>48) >> (2 * hbBlockPower)
			if hi-lo <= hbMinRange {
				// A flat block: paper, unless its neighbours say it is
				// inside a dark patch (see ZXing's HybridBinarizer).
				avg = int(lo) / 2
				if y > 0 && x > 0 {
					nb := (bp[(y-1)*subW+x] + 2*bp[y*subW+x-1] + bp[(y-1)*subW+x-1]) / 4
					if int(lo) < nb {
						avg = nb
					}
				}
			}
			bp[y*subW+x] = avg
		}
	}
}

// geLanes is all ones in each 16-bit lane where a's lane is at least b's
// (lanes below 0x8000): a's lane with its sign bit set, less b's, keeps
// that bit exactly then, and borrows from no other lane.
func geLanes(a, b uint64) uint64 {
	return ((a | laneSigns) - b) >> 15 & laneOnes * 0xffff
}

func minLanes(a, b uint64) uint64 {
	m := geLanes(a, b)
	return b&m | a&^m
}

func maxLanes(a, b uint64) uint64 {
	m := geLanes(a, b)
	return a&m | b&^m
}
