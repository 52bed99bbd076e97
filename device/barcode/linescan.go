package barcode

import (
	"slices"

	"github.com/makiuchi-d/gozxing"
)

// lineScratch is scanLines' working memory, kept by a Reader.
type lineScratch struct {
	lum  []byte
	sum  []int // midRow's three rows, added
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

// midRow binarises row y of view a second way, for a line that blackRow
// binarised and nothing read: the mean of the row and the rows either
// side of it, sharpened like blackRow's, and cut half way between the
// line's ink and paper (its 1st and 99th percentiles). blackRow's black
// point lies in the valley of the row's histogram two thirds of the way
// from the darker peak to the brighter, and when the darker peak is a
// grey desk rather than ink, or the frame is dim, that is so close to
// paper that every bar swells by a pixel or more, which gozxing's Code
// 128 reader does not forgive (at 3.2 px a module and σ 1.1 blur on a
// grey desk, one-module bars came out 4 or 5 px wide and every line
// through the code but its ragged ends failed); and a single sharpened
// row of a noisy frame splits bars where three averaged do not. Measured
// on the synthetic corpus (seed 12, 480 frames, midContrast at 32): Quick
// read 232 frames with blackRow alone and 308 with this second look, 293
// with it on one row rather than three, 294 cutting at the 5th and 95th
// percentiles; on ZXing's photos, using it in place of blackRow rather
// than after it read 142 of 161 rather than 149. row must be nil or of
// the view's width.
func midRow(view gozxing.LuminanceSource, y int, row *gozxing.BitArray, s *lineScratch) (*gozxing.BitArray, bool) {
	width, height := view.GetWidth(), view.GetHeight()
	if row == nil || row.GetSize() != width {
		row = gozxing.NewBitArray(width)
	} else {
		row.Clear()
	}
	s.sum = grow(s.sum, width)
	sum := s.sum
	clear(sum)
	s.lum = grow(s.lum, width)
	n := 0
	for yy := max(y-1, 0); yy <= min(y+1, height-1); yy++ {
		lum, err := view.GetRow(yy, s.lum)
		if err != nil {
			continue
		}
		for x, p := range lum[:width] {
			sum[x] += int(p)
		}
		n++
	}
	if n == 0 || width < 3 {
		return row, false
	}
	var hist [256]int
	for x := range sum {
		sum[x] /= n
		hist[sum[x]]++
	}
	ink, paper := percentile(&hist, width, 0.01), percentile(&hist, width, 0.99)
	if paper-ink < midContrast {
		return row, false
	}
	t := (ink + paper) / 2
	words := row.GetBitArray()
	left, center := sum[0], sum[1]
	for x := 1; x < width-1; x++ {
		right := sum[x+1]
		// blackRow's -1 4 -1 filter: bit x is set when below t.
		v := (center*4-left-right)/2 - t
		words[x>>5] |= uint32(uint64(v)>>63) << (x & 31)
		left, center = center, right
	}
	return row, true
}

// midContrast is the least spread of grey levels between a line's ink and
// paper for midRow to cut it. A code's bars and gaps span most of the
// grey range once levels has stretched the frame, where a line across
// the desk alone spans its noise: on the corpus, 96 rather than 32 left
// midRow 28% fewer lines to read and every read it made (none was lost
// up to 160, nor on ZXing's photos).
const midContrast = 96
