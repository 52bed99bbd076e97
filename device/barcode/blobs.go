package barcode

import (
	"cmp"
	"image"
	"math/bits"
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
func blobs(m *gozxing.BitMatrix) []image.Rectangle {
	cw, ch := m.GetWidth()/blobCell, m.GetHeight()/blobCell
	if cw == 0 || ch == 0 {
		return nil
	}
	// A cell is ink when a quarter of it is black: that keeps modules and
	// bars and drops specks of noise. The grid has a border of two blank
	// cells, so the flood fill below needs no bounds checks: a noisy frame
	// is ink almost everywhere, and the fill visits every cell of it.
	const pad = 2
	stride := cw + 2*pad
	const (
		blank byte = iota
		ink
		done
	)
	grid := make([]byte, stride*(ch+2*pad))
	var row *gozxing.BitArray
	counts := make([]int, cw)
	for cy := range ch {
		clear(counts)
		for y := cy * blobCell; y < (cy+1)*blobCell; y++ {
			row = m.GetRow(y, row)
			// blobCell is 4: a word holds eight cells, a nibble each.
			for i, w := range row.GetBitArray() {
				for j := 0; w != 0; j, w = j+1, w>>4 {
					if cx := i*8 + j; cx < cw {
						counts[cx] += bits.OnesCount32(w & 0xf)
					}
				}
			}
		}
		for cx, n := range counts {
			if n*4 >= blobCell*blobCell {
				grid[(cy+pad)*stride+cx+pad] = ink
			}
		}
	}
	// Cells within two cells of each other join: the white between two
	// modules or bars is not a quiet zone.
	var near []int
	for dy := -pad; dy <= pad; dy++ {
		for dx := -pad; dx <= pad; dx++ {
			if dx != 0 || dy != 0 {
				near = append(near, dy*stride+dx)
			}
		}
	}
	var boxes []image.Rectangle
	stack := make([]int, 0, 64)
	for start, c := range grid {
		if c != ink {
			continue
		}
		x0, y0 := start%stride-pad, start/stride-pad
		box := image.Rect(x0, y0, x0+1, y0+1)
		grid[start] = done
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%stride-pad, i/stride-pad
			box.Min.X, box.Min.Y = min(box.Min.X, x), min(box.Min.Y, y)
			box.Max.X, box.Max.Y = max(box.Max.X, x+1), max(box.Max.Y, y+1)
			for _, d := range near {
				if j := i + d; grid[j] == ink {
					grid[j] = done
					stack = append(stack, j)
				}
			}
		}
		boxes = append(boxes, box)
	}
	out := boxes[:0]
	for _, b := range boxes {
		if b.Dx() >= 3 && b.Dy() >= 3 { // at least 12×12 pixels
			out = append(out, image.Rect(b.Min.X*blobCell, b.Min.Y*blobCell, b.Max.X*blobCell, b.Max.Y*blobCell))
		}
	}
	slices.SortFunc(out, func(a, b image.Rectangle) int {
		return cmp.Compare(b.Dx()*b.Dy(), a.Dx()*a.Dy())
	})
	return out
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
