package barcode

import (
	"slices"

	"github.com/makiuchi-d/gozxing"
)

// lineScratch is scanLines' working memory, kept by a Reader.
type lineScratch struct {
	lum  []byte
	bars []int
	segs [][2]int
	done [][2]int
}

// blackRow is gozxing's GlobalHistogramBinarizer.GetBlackRow, the 1D
// readers' binarisation, bit for bit: a histogram of the row in 32
// buckets, a black point in the valley between its two peaks, and a
// sharpening -1 4 -1 filter. It writes the row's words directly where the
// port sets a bit at a time, keeps its luminance buffer in s, and reports
// a row of too little contrast with false rather than an error (whose
// stack trace the port captures on every such row). row must be nil or
// of the view's width.
func blackRow(view gozxing.LuminanceSource, y int, row *gozxing.BitArray, s *lineScratch) (*gozxing.BitArray, bool) {
	width := view.GetWidth()
	if row == nil || row.GetSize() != width {
		row = gozxing.NewBitArray(width)
	} else {
		row.Clear()
	}
	s.lum = grow(s.lum, width)
	lum, err := view.GetRow(y, s.lum)
	if err != nil {
		return row, false
	}
	lum = lum[:width]
	var buckets [gozxing.LUMINANCE_BUCKETS]int
	for _, p := range lum {
		buckets[p>>gozxing.LUMINANCE_SHIFT]++
	}
	blackPoint, ok := estimateBlackPoint(&buckets)
	if !ok {
		return row, false
	}
	words := row.GetBitArray()
	if width < 3 {
		for x, p := range lum {
			if int(p) < blackPoint {
				words[x>>5] |= 1 << (x & 31)
			}
		}
		return row, true
	}
	left, center := int(lum[0]), int(lum[1])
	for x := 1; x < width-1; x++ {
		right := int(lum[x+1])
		// A simple -1 4 -1 box filter with a weight of 2; the sign of
		// its difference from the black point is the bit.
		v := (center*4-left-right)/2 - blackPoint
		words[x>>5] |= uint32(uint64(v)>>63) << (x & 31)
		left, center = center, right
	}
	return row, true
}

// estimateBlackPoint is GlobalHistogramBinarizer.estimateBlackPoint.
func estimateBlackPoint(buckets *[gozxing.LUMINANCE_BUCKETS]int) (int, bool) {
	const numBuckets = gozxing.LUMINANCE_BUCKETS
	// Find the tallest peak in the histogram.
	maxBucketCount, firstPeak, firstPeakSize := 0, 0, 0
	for x, n := range buckets {
		if n > firstPeakSize {
			firstPeak, firstPeakSize = x, n
		}
		maxBucketCount = max(maxBucketCount, n)
	}
	// Find the second-tallest peak which is somewhat far from the
	// tallest, favouring distance by its square.
	secondPeak, secondPeakScore := 0, 0
	for x, n := range buckets {
		d := x - firstPeak
		if score := n * d * d; score > secondPeakScore {
			secondPeak, secondPeakScore = x, score
		}
	}
	if firstPeak > secondPeak {
		firstPeak, secondPeak = secondPeak, firstPeak
	}
	// Too little contrast to pick a meaningful black point.
	if secondPeak-firstPeak <= numBuckets/16 {
		return 0, false
	}
	// A valley between them that is low and closer to the white peak.
	bestValley, bestValleyScore := secondPeak-1, -1
	for x := secondPeak - 1; x > firstPeak; x-- {
		fromFirst := x - firstPeak
		score := fromFirst * fromFirst * (secondPeak - x) * (maxBucketCount - buckets[x])
		if score > bestValleyScore {
			bestValley, bestValleyScore = x, score
		}
	}
	return bestValley << gozxing.LUMINANCE_SHIFT, true
}

// runWidths appends the widths of line's black runs to out.
func runWidths(line *gozxing.BitArray, out []int) []int {
	size := line.GetSize()
	for x := line.GetNextSet(0); x < size; {
		end := line.GetNextUnset(x)
		out = append(out, end-x)
		x = line.GetNextSet(end)
	}
	return out
}

// kth returns the k-th smallest of xs (0 being the smallest), as
// xs sorted would have it at k, counting rather than sorting: bar widths
// are small. xs is left as it was unless the answer is a wide one.
func kth(xs []int, k int) int {
	const small = 64
	var hist [small + 1]int
	for _, x := range xs {
		hist[min(x, small)]++
	}
	seen := 0
	for v, n := range hist[:small] {
		if seen += n; seen > k {
			return v
		}
	}
	slices.Sort(xs)
	return xs[k]
}
