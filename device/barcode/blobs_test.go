package barcode

import (
	"cmp"
	"image"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBlobs finds patches of ink as the cells they cover, joined across
// one blank cell and not across two, and drops specks.
func TestBlobs(t *testing.T) {
	t.Parallel()
	m, err := gozxing.NewBitMatrix(100, 60)
	require.NoError(t, err)
	fill := func(x0, y0, x1, y1 int) {
		require.NoError(t, m.SetRegion(x0, y0, x1-x0, y1-y0))
	}
	fill(4, 4, 16, 16)   // cells 1-3 × 1-3
	fill(20, 8, 24, 20)  // cell 5 × 2-4: one blank cell from the first, so one patch
	fill(36, 4, 48, 12)  // cells 9-11 × 1-2: three cells away, and too flat to keep
	fill(40, 40, 44, 44) // a speck: one cell
	fill(64, 28, 92, 56) // cells 16-22 × 7-13
	var s blobScratch
	got := blobs(m, &s)
	assert.Equal(t, []image.Rectangle{
		image.Rect(64, 28, 92, 56),
		image.Rect(4, 4, 24, 20),
	}, got)
	// The same scratch serves the next frame.
	assert.Equal(t, got, blobs(m, &s))
}

// TestBlobsMatchFloodFill checks the run-based blobs against the plain
// flood fill of cells it replaced, patch for patch and in the same order,
// on noise of several densities and frame sizes that are and are not
// multiples of a word.
func TestBlobsMatchFloodFill(t *testing.T) {
	t.Parallel()
	var s blobScratch
	for _, tt := range []struct {
		w, h    int
		density float64
	}{{64, 48, 0.1}, {131, 77, 0.2}, {320, 180, 0.4}, {97, 203, 0.8}, {640, 480, 0.15}} {
		rng := rand.New(rand.NewPCG(uint64(tt.w), uint64(tt.h)))
		m, err := gozxing.NewBitMatrix(tt.w, tt.h)
		require.NoError(t, err)
		// Squares of ink of a few sizes, so patches of every shape occur.
		for range int(tt.density * float64(tt.w*tt.h) / 16) {
			x, y, n := rng.IntN(tt.w), rng.IntN(tt.h), 1+rng.IntN(6)
			for yy := y; yy < min(y+n, tt.h); yy++ {
				for xx := x; xx < min(x+n, tt.w); xx++ {
					m.Set(xx, yy)
				}
			}
		}
		want := floodFillBlobs(m)
		assert.NotEmpty(t, want, "%d×%d at %.2f", tt.w, tt.h, tt.density)
		assert.Equal(t, want, blobs(m, &s), "%d×%d at %.2f", tt.w, tt.h, tt.density)
	}
}

// floodFillBlobs is the definition blobs implements: cells a quarter of
// whose pixels are black, joined when within two cells of each other,
// boxes of at least three cells each way, largest first.
func floodFillBlobs(m *gozxing.BitMatrix) []image.Rectangle {
	cw, ch := m.GetWidth()/blobCell, m.GetHeight()/blobCell
	ink := make([][]bool, ch)
	for cy := range ink {
		ink[cy] = make([]bool, cw)
		for cx := range cw {
			n := 0
			for y := cy * blobCell; y < (cy+1)*blobCell; y++ {
				for x := cx * blobCell; x < (cx+1)*blobCell; x++ {
					if m.Get(x, y) {
						n++
					}
				}
			}
			ink[cy][cx] = 4*n >= blobCell*blobCell
		}
	}
	var boxes []image.Rectangle
	for y0 := range ch {
		for x0 := range cw {
			if !ink[y0][x0] {
				continue
			}
			box := image.Rect(x0, y0, x0+1, y0+1)
			ink[y0][x0] = false
			stack := []image.Point{{x0, y0}}
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				box = box.Union(image.Rect(p.X, p.Y, p.X+1, p.Y+1))
				for dy := -2; dy <= 2; dy++ {
					for dx := -2; dx <= 2; dx++ {
						x, y := p.X+dx, p.Y+dy
						if x >= 0 && y >= 0 && x < cw && y < ch && ink[y][x] {
							ink[y][x] = false
							stack = append(stack, image.Pt(x, y))
						}
					}
				}
			}
			boxes = append(boxes, box)
		}
	}
	var out []image.Rectangle
	for _, b := range boxes {
		if b.Dx() >= 3 && b.Dy() >= 3 {
			out = append(out, image.Rect(b.Min.X*blobCell, b.Min.Y*blobCell, b.Max.X*blobCell, b.Max.Y*blobCell))
		}
	}
	slices.SortFunc(out, func(a, b image.Rectangle) int {
		return cmp.Compare(b.Dx()*b.Dy(), a.Dx()*a.Dy())
	})
	return out
}
