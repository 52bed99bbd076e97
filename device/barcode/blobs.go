package barcode

import (
	"cmp"
	"image"
	"slices"

	"github.com/makiuchi-d/gozxing"
)

// blobCell is the side, in pixels, of the cells blobs works on: a little
// more than the smallest module a webcam resolves.
const blobCell = 4 // blobs counts ink a nibble of a row's word at a time

// blobs finds the separate patches of ink in a binarised frame and returns
// their bounding boxes, largest first. Each symbol on a label is such a
// patch, apart from its neighbours by its quiet zone, so cropping to one
// hands a reader a single code: the Data Matrix detector, which grows a
// white rectangle from the middle of its image, fails whenever another
// code's bars are inside that rectangle.
func blobs(m *gozxing.BitMatrix, s *blobScratch) []image.Rectangle {
	cw, ch := m.GetWidth()/blobCell, m.GetHeight()/blobCell
	if cw == 0 || ch == 0 {
		return nil
	}
	s.runs, s.rowStart = s.runs[:0], s.rowStart[:0]
	s.sums = grow(s.sums, 2*m.GetRowSize())
	ink := grow(s.ink, cw)
	s.ink = ink
	for cy := range ch {
		s.rowStart = append(s.rowStart, len(s.runs))
		inkCells(m, cy, s, ink)
		// Ink cells with at most one blank cell between them are one run:
		// cells within two of each other join (the white between two
		// modules or bars is not a quiet zone).
		lo, last := -1, -3
		for cx, in := range ink {
			if !in {
				continue
			}
			if cx-last > 2 {
				if lo >= 0 {
					s.runs = append(s.runs, blobRun{lo: int32(lo), hi: int32(last), y: int32(cy)})
				}
				lo = cx
			}
			last = cx
		}
		if lo >= 0 {
			s.runs = append(s.runs, blobRun{lo: int32(lo), hi: int32(last), y: int32(cy)})
		}
	}
	s.rowStart = append(s.rowStart, len(s.runs))
	// Runs on rows one or two apart join when some cell of one is within
	// two cells of some cell of the other, which, as a run has no gap
	// wider than one cell, is when their extents widened by two overlap.
	parent := grow(s.parent, len(s.runs))
	s.parent = parent
	for i := range parent {
		parent[i] = int32(i)
	}
	for cy := 1; cy < ch; cy++ {
		cur := s.runs[s.rowStart[cy]:s.rowStart[cy+1]]
		for dy := 1; dy <= 2 && cy-dy >= 0; dy++ {
			prev := s.runs[s.rowStart[cy-dy]:s.rowStart[cy-dy+1]]
			j := 0
			for i := range cur {
				a := &cur[i]
				for j < len(prev) && prev[j].hi+2 < a.lo {
					j++
				}
				for k := j; k < len(prev) && prev[k].lo <= a.hi+2; k++ {
					union(parent, int32(s.rowStart[cy]+i), int32(s.rowStart[cy-dy]+k))
				}
			}
		}
	}
	// A patch's box, in the order its first run comes in the frame: the
	// order a flood fill from the top left finds them in, which the sort
	// below leaves equal-sized patches in.
	s.boxes = grow(s.boxes, len(s.runs))
	boxes := s.boxes
	var out []image.Rectangle
	for i, r := range s.runs {
		root := find(parent, int32(i))
		b := image.Rect(int(r.lo), int(r.y), int(r.hi)+1, int(r.y)+1)
		if root == int32(i) {
			boxes[i] = b
			continue
		}
		boxes[root] = boxes[root].Union(b)
	}
	for i := range s.runs {
		if parent[i] != int32(i) {
			continue
		}
		if b := boxes[i]; b.Dx() >= 3 && b.Dy() >= 3 { // at least 12×12 pixels
			out = append(out, image.Rect(b.Min.X*blobCell, b.Min.Y*blobCell, b.Max.X*blobCell, b.Max.Y*blobCell))
		}
	}
	slices.SortFunc(out, func(a, b image.Rectangle) int {
		return cmp.Compare(b.Dx()*b.Dy(), a.Dx()*a.Dy())
	})
	return out
}

// blobScratch is blobs' working memory, kept by a Reader.
type blobScratch struct {
	row      *gozxing.BitArray
	sums     []uint32
	ink      []bool
	runs     []blobRun
	rowStart []int
	parent   []int32
	boxes    []image.Rectangle
}

// blobRun is a run of ink cells on cell row y, lo to hi inclusive.
type blobRun struct{ lo, hi, y int32 }

// inkCells sets ink[cx] for the cells of cell row cy a quarter or more of
// whose pixels are black: that keeps modules and bars and drops specks of
// noise. blobCell is 4, so a row's word holds eight cells, a nibble each;
// the nibbles' bit counts are summed over the cell's four rows eight cells
// at a time, in the bytes of two words.
func inkCells(m *gozxing.BitMatrix, cy int, s *blobScratch, ink []bool) {
	sums := s.sums
	clear(sums)
	for y := cy * blobCell; y < (cy+1)*blobCell; y++ {
		s.row = m.GetRow(y, s.row)
		// (A row kept from a wider frame has more words than this one.)
		for i, w := range s.row.GetBitArray()[:len(sums)/2] {
			w -= w >> 1 & 0x55555555
			w = w&0x33333333 + w>>2&0x33333333 // nibbles hold their counts
			sums[2*i] += w & 0x0f0f0f0f        // cells 0, 2, 4 and 6
			sums[2*i+1] += w >> 4 & 0x0f0f0f0f // cells 1, 3, 5 and 7
		}
	}
	for i := 0; i < len(sums); i += 2 {
		// A byte holds at most 16: adding 124 sets its top bit from 4 up.
		even := (sums[i] + 0x7c7c7c7c) & 0x80808080
		odd := (sums[i+1] + 0x7c7c7c7c) & 0x80808080
		base := i * 4
		for k := range 4 {
			if cx := base + 2*k; cx < len(ink) {
				ink[cx] = even>>(8*k+7)&1 != 0
			}
			if cx := base + 2*k + 1; cx < len(ink) {
				ink[cx] = odd>>(8*k+7)&1 != 0
			}
		}
	}
}

func find(parent []int32, i int32) int32 {
	for parent[i] != i {
		parent[i] = parent[parent[i]]
		i = parent[i]
	}
	return i
}

// union joins two sets, the earlier run being the root, so a patch's root
// is its first run in the frame.
func union(parent []int32, a, b int32) {
	a, b = find(parent, a), find(parent, b)
	if a == b {
		return
	}
	if a > b {
		a, b = b, a
	}
	parent[b] = a
}

// grow returns s resized to n, reusing its memory when it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// squareness is 1 for a square and falls towards 0 as r stretches.
func squareness(r image.Rectangle) float64 {
	return float64(min(r.Dx(), r.Dy())) / float64(max(r.Dx(), r.Dy(), 1))
}

// squarish reports whether r could be a Data Matrix code, square or
// rectangular (at most 1:4 for the largest rectangular sizes); a little
// slack covers a tilted symbol's box.
func squarish(r image.Rectangle) bool {
	w, h := r.Dx(), r.Dy()
	return w <= 5*h && h <= 5*w
}
