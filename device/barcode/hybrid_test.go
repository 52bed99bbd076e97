package barcode

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHybridMatchesZXing checks the fast binariser against gozxing's
// HybridBinarizer, bit for bit, on sizes that are and are not multiples
// of its blocks, flat and noisy, and below its minimum size.
func TestHybridMatchesZXing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		w, h int
		fill func(rng *rand.Rand, x, y int) byte
	}{
		{"noise, multiple of 8", 64, 48, func(rng *rand.Rand, _, _ int) byte { return byte(rng.IntN(256)) }},
		{"noise, ragged", 77, 53, func(rng *rand.Rand, _, _ int) byte { return byte(rng.IntN(256)) }},
		{"bars and flat paper", 203, 61, func(rng *rand.Rand, x, y int) byte {
			if x > 40 && x < 160 && (x/3)%2 == 0 {
				return byte(30 + rng.IntN(10))
			}
			return byte(200 + rng.IntN(8))
		}},
		{"dark patch inside paper", 96, 96, func(_ *rand.Rand, x, y int) byte {
			if x > 30 && x < 70 && y > 30 && y < 70 {
				return 40
			}
			return 220
		}},
		{"gradient, ragged: overlapping last blocks", 83, 61, func(rng *rand.Rand, x, y int) byte {
			return byte(2*x + 3*y + rng.IntN(40))
		}},
		{"too small: global histogram", 30, 20, func(rng *rand.Rand, _, _ int) byte { return byte(rng.IntN(256)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(7, 8))
			img := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
			for y := range tt.h {
				for x := range tt.w {
					img.Pix[y*img.Stride+x] = tt.fill(rng, x, y)
				}
			}
			src := newGray(img)
			want, err := gozxing.NewHybridBinarizer(src).GetBlackMatrix()
			require.NoError(t, err)
			got, err := newHybrid(src).GetBlackMatrix()
			require.NoError(t, err)
			assert.Equal(t, want.String(), got.String())
		})
	}
}

// TestHybridReusesItsBuffers binarises frames of changing content and
// size with one scratch, as a Reader does, each as gozxing would.
func TestHybridReusesItsBuffers(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	var s hybridScratch
	for i, size := range []image.Point{{96, 64}, {96, 64}, {83, 61}, {83, 61}, {120, 45}} {
		img := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		for p := range img.Pix {
			img.Pix[p] = byte(p*(i+1) + rng.IntN(60))
		}
		src := newGray(img)
		want, err := gozxing.NewHybridBinarizer(src).GetBlackMatrix()
		require.NoError(t, err)
		got, err := (&hybrid{src: src, s: &s}).GetBlackMatrix()
		require.NoError(t, err)
		assert.Equal(t, want.String(), got.String(), "frame %d, %v", i, size)
	}
}
