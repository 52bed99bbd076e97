package barcode

import (
	"cmp"
	"image"
	"slices"

	"github.com/makiuchi-d/gozxing"
)

// blobCell is the side, in pixels, of the cells blobs works on: a little
// more than the smallest module a webcam resolves.
const blobCell = 4

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
	// bars and drops specks of noise.
	ink := make([]bool, cw*ch)
	var row *gozxing.BitArray
	counts := make([]int, cw)
	for cy := range ch {
		clear(counts)
		for y := cy * blobCell; y < (cy+1)*blobCell; y++ {
			row = m.GetRow(y, row)
			for x := row.GetNextSet(0); x < cw*blobCell; x = row.GetNextSet(x + 1) {
				counts[x/blobCell]++
			}
		}
		for cx, n := range counts {
			ink[cy*cw+cx] = n*4 >= blobCell*blobCell
		}
	}
	// Cells within one cell of each other join: the white between two
	// modules or bars is not a quiet zone.
	label := make([]int32, cw*ch)
	var boxes []image.Rectangle
	stack := make([]int, 0, 64)
	for start, isInk := range ink {
		if !isInk || label[start] != 0 {
			continue
		}
		id := int32(len(boxes) + 1)
		box := image.Rect(start%cw, start/cw, start%cw+1, start/cw+1)
		label[start] = id
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%cw, i/cw
			box = box.Union(image.Rect(x, y, x+1, y+1))
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= cw || ny >= ch {
						continue
					}
					if j := ny*cw + nx; ink[j] && label[j] == 0 {
						label[j] = id
						stack = append(stack, j)
					}
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
