package barcode

import (
	"math/bits"
	"strconv"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// readQR is gozxing's QRCodeReader.Decode without hints, with the finder
// pattern search's row scan taken a run of pixels at a time rather than
// a pixel at a time. That scan was the costliest part of the live pass:
// on a noisy frame a binarised row changes colour every pixel or two,
// and the port tests for a finder pattern, in floating point, at every
// other change. The search is otherwise ZXing's, step for step, through
// the finder's own exported methods, so it finds what QRCodeReader does.
func readQR(m *gozxing.BitMatrix, row **gozxing.BitArray) (*gozxing.Result, error) {
	info, err := findFinderPatterns(m, row)
	if err != nil {
		return nil, err
	}
	det, err := detector.NewDetector(m).ProcessFinderPatternInfo(info)
	if err != nil {
		return nil, err
	}
	dec, err := decoder.NewDecoder().Decode(det.GetBits(), nil)
	if err != nil {
		return nil, err
	}
	points := det.GetPoints()
	// The rest is QRCodeReader.Decode's.
	if metadata, ok := dec.GetOther().(*decoder.QRCodeDecoderMetaData); ok {
		metadata.ApplyMirroredCorrection(points)
	}
	res := gozxing.NewResult(dec.GetText(), dec.GetRawBytes(), points, gozxing.BarcodeFormat_QR_CODE)
	if segs := dec.GetByteSegments(); len(segs) > 0 {
		res.PutMetadata(gozxing.ResultMetadataType_BYTE_SEGMENTS, segs)
	}
	if ec := dec.GetECLevel(); ec != "" {
		res.PutMetadata(gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL, ec)
	}
	if dec.HasStructuredAppend() {
		res.PutMetadata(gozxing.ResultMetadataType_STRUCTURED_APPEND_SEQUENCE, dec.GetStructuredAppendSequenceNumber())
		res.PutMetadata(gozxing.ResultMetadataType_STRUCTURED_APPEND_PARITY, dec.GetStructuredAppendParity())
	}
	res.PutMetadata(gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER, "]Q"+strconv.Itoa(dec.GetSymbologyModifier()))
	return res, nil
}

// findFinderPatterns is FinderPatternFinder.Find without TRY_HARDER, run
// by run. The pixel loop's states, for each run of a colour:
//
//   - black in an odd state (after white) moves to the next state and
//     counts there; black in an even state counts there;
//   - white in an odd state counts there; white in state 0 or 2 moves to
//     the next state and counts there;
//   - white in state 4 ends a black-white-black-white-black pattern: its
//     first pixel is where ZXing tests the pattern and, if it is no finder
//     pattern or not confirmed, shifts the counts by two and goes on in
//     state 3, where the rest of the run counts.
//
// A confirmed centre clears the counts (the white pixel that ended it is
// not counted, as in ZXing) and may skip rows or end the search.
func findFinderPatterns(m *gozxing.BitMatrix, row **gozxing.BitArray) (*detector.FinderPatternInfo, error) {
	f := detector.NewFinderPatternFinder(m, nil)
	maxI, maxJ := m.GetHeight(), m.GetWidth()
	iSkip := max((3*maxI)/(4*detector.FinderPatternFinder_MAX_MODULES), detector.FinderPatternFinder_MIN_SKIP)
	if *row == nil || (*row).GetSize() != maxJ {
		*row = gozxing.NewBitArray(maxJ)
	}
	// hasSkipped is the finder's own flag, which FindRowSkip sets exactly
	// when it finds two confirmed centres; it is not exported.
	hasSkipped := false
	confirmedCentres := func() int {
		n := 0
		for _, c := range f.GetPossibleCenters() {
			if c.GetCount() >= detector.FinderPatternFinder_CENTER_QUORUM {
				n++
			}
		}
		return n
	}
	done := false
	stateCount := make([]int, 5)
	for i := iSkip - 1; i < maxI && !done; i += iSkip {
		clear(stateCount)
		state := 0
		words := m.GetRow(i, *row).GetBitArray()
		for x := 0; x < maxJ; {
			black := words[x>>5]>>(x&31)&1 != 0
			end := nextChange(words, x, black, maxJ)
			n := end - x
			switch {
			case black:
				if state&1 == 1 {
					state++
				}
				stateCount[state] += n
			case state&1 == 1:
				stateCount[state] += n
			case state != 4:
				state++
				stateCount[state] += n
			case !mayBeFinder(stateCount) || !detector.FinderPatternFinder_foundPatternCross(stateCount) ||
				!f.HandlePossibleCenter(stateCount, i, x):
				detector.FinderPatternFinder_ShiftCounts2(stateCount)
				state = 3
				stateCount[3] = n
			default: // a confirmed centre
				iSkip = 2
				if hasSkipped {
					done = f.HaveMultiplyConfirmedCenters()
				} else {
					hasSkipped = len(f.GetPossibleCenters()) > 1 && confirmedCentres() >= 2
					if rowSkip := f.FindRowSkip(); rowSkip > stateCount[2] {
						i += rowSkip - stateCount[2] - iSkip
						end = maxJ // the rest of the row is skipped
					}
				}
				clear(stateCount)
				state = 0
				if end < maxJ && n > 1 {
					state = 1
					stateCount[1] = n - 1
				}
			}
			x = end
		}
		if detector.FinderPatternFinder_foundPatternCross(stateCount) && f.HandlePossibleCenter(stateCount, i, maxJ) {
			iSkip = stateCount[0]
			if hasSkipped {
				done = f.HaveMultiplyConfirmedCenters()
			}
		}
	}
	fps, err := f.SelectBestPatterns()
	if err != nil {
		return nil, err
	}
	bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(fps[0], fps[1], fps[2])
	return detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern)), nil
}

// nextChange returns where the run of colour black that holds x ends: the
// first pixel from x on of the other colour, or width.
func nextChange(words []uint32, x int, black bool, width int) int {
	flip := uint32(0)
	if black {
		flip = ^flip
	}
	i := x >> 5
	w := (words[i] ^ flip) &^ (1<<(x&31) - 1)
	for w == 0 {
		if i++; i >= len(words) {
			return width
		}
		w = words[i] ^ flip
	}
	return min(i<<5+bits.TrailingZeros32(w), width)
}

// mayBeFinder is a looser, integer form of foundPatternCross's test (each
// count within half a module of 1:1:3:1:1 of the total), which rules out
// most patterns without floating point; what it lets through is tested
// exactly. With t the total, a count c of m modules is near enough when
// |m·t/7 - c| < m·t/14, that is |2m·t - 14c| < m·t; the test lets the
// equal case through too, for the float test to settle.
func mayBeFinder(c []int) bool {
	c = c[:5]
	if c[0] == 0 || c[1] == 0 || c[2] == 0 || c[3] == 0 || c[4] == 0 {
		return false
	}
	t := c[0] + c[1] + c[2] + c[3] + c[4]
	if t < 7 {
		return false
	}
	if d := 6*t - 14*c[2]; d > 3*t || -d > 3*t {
		return false
	}
	for _, n := range [4]int{c[0], c[1], c[3], c[4]} {
		if d := 2*t - 14*n; d > t || -d > t {
			return false
		}
	}
	return true
}
