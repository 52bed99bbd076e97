package barcode

import (
	"image"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// TestBlackRowMatchesZXing checks blackRow against gozxing's
// GlobalHistogramBinarizer row by row: bars, noise, a flat row (too little
// contrast: both refuse it), and widths that are and are not multiples of
// a word, with one scratch throughout.
func TestBlackRowMatchesZXing(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	var s lineScratch
	for _, w := range []int{2, 31, 64, 203, 1280} {
		img := image.NewGray(image.Rect(0, 0, w, 4))
		for x := range w {
			bar := byte(40)
			if (x/3)%2 == 0 {
				bar = 210
			}
			img.Pix[x] = bar + byte(rng.IntN(20))               // bars
			img.Pix[img.Stride+x] = byte(rng.IntN(256))         // noise
			img.Pix[2*img.Stride+x] = 128 + byte(rng.IntN(3))   // flat
			img.Pix[3*img.Stride+x] = byte(x * 255 / max(w, 1)) // a ramp
		}
		src := newGray(img)
		zx := gozxing.NewGlobalHistgramBinarizer(src)
		var row *gozxing.BitArray
		for y := range 4 {
			want, err := zx.GetBlackRow(y, nil)
			var ok bool
			row, ok = blackRow(src, y, row, &s)
			require.Equal(t, err == nil, ok, "width %d row %d: %v", w, y, err)
			if ok {
				assert.Equal(t, want.String(), row.String(), "width %d row %d", w, y)
			}
		}
	}
}

// TestKth: the k-th smallest bar width, as a sort would put it, including
// widths too wide to count.
func TestKth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		xs   []int
		k    int
		want int
	}{
		{[]int{3, 1, 2}, 0, 1},
		{[]int{3, 1, 2}, 2, 3},
		{[]int{5, 5, 5, 1}, 1, 5},
		{[]int{200, 70, 64, 1}, 2, 70},
		{[]int{200, 70, 64, 1}, 3, 200},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, kth(slices.Clone(tt.xs), tt.k), "%v k=%d", tt.xs, tt.k)
	}
}

// TestMidRowKeepsBarsTheirWidth: a code on a label on a grey desk,
// blurred (σ 1.3 px). blackRow's black point sits between desk and
// paper, close to paper, and swells every 3 px bar to 5; midRow cuts half
// way between ink and paper and gives the bars back their width.
func TestMidRowKeepsBarsTheirWidth(t *testing.T) {
	t.Parallel()
	const w = 400
	img := image.NewGray(image.Rect(0, 0, w, 3))
	for x := range w {
		v := byte(100) // desk
		if x >= 250 && x < 350 {
			v = 235 // paper
			if x >= 265 && x < 325 && (x-265)/3%2 == 0 {
				v = 25 // ten 3 px bars, 3 px apart
			}
		}
		for y := range 3 {
			img.Pix[y*img.Stride+x] = v
		}
	}
	src := newGray(barcodetest.GaussianBlur(img, 1.3))
	var s lineScratch
	widths := func(row *gozxing.BitArray, ok bool) []int {
		require.True(t, ok)
		var out []int
		for x := row.GetNextSet(265 - 5); x < 330; {
			end := row.GetNextUnset(x)
			out = append(out, end-x)
			x = row.GetNextSet(end)
		}
		return out
	}
	assert.Equal(t, []int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, widths(blackRow(src, 1, nil, &s)), "blackRow")
	assert.Equal(t, []int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, widths(midRow(src, 1, nil, &s)), "midRow")
}
