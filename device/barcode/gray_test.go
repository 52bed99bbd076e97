package barcode

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewGrayFastPaths checks every fast path against the generic
// conversion, on sub-images so that strides and offsets are exercised.
func TestNewGrayFastPaths(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	full := image.Rect(0, 0, 37, 23)
	sub := image.Rect(5, 3, 31, 20)

	rgba := image.NewRGBA(full)
	nrgba := image.NewNRGBA(full)
	grayImg := image.NewGray(full)
	ycc := image.NewYCbCr(full, image.YCbCrSubsampleRatio420)
	pal := image.NewPaletted(full, color.Palette{color.Black, color.White, color.RGBA{200, 30, 90, 255}})
	for y := range full.Dy() {
		for x := range full.Dx() {
			a := uint8(rng.IntN(256))
			c := color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), a}
			rgba.Set(x, y, c)
			nrgba.Set(x, y, c)
			grayImg.SetGray(x, y, color.Gray{uint8(rng.IntN(256))})
			ycc.Y[ycc.YOffset(x, y)] = uint8(rng.IntN(256))
			pal.SetColorIndex(x, y, uint8(rng.IntN(3)))
		}
	}
	tests := map[string]image.Image{
		"RGBA":     rgba.SubImage(sub),
		"NRGBA":    nrgba.SubImage(sub),
		"Gray":     grayImg.SubImage(sub),
		"YCbCr":    ycc.SubImage(sub),
		"Paletted": pal.SubImage(sub),
	}
	for name, img := range tests {
		g := newGray(img)
		require.Equal(t, sub.Dx(), g.Width, name)
		require.Equal(t, sub.Dy(), g.Height, name)
		for y := range sub.Dy() {
			row, err := g.GetRow(y, nil)
			require.NoError(t, err)
			for x := range sub.Dx() {
				want := int(lumOf(img.At(sub.Min.X+x, sub.Min.Y+y)))
				if _, isYCC := img.(*image.YCbCr); isYCC {
					want = int(ycc.Y[ycc.YOffset(sub.Min.X+x, sub.Min.Y+y)]) // luma as the camera sent it
				}
				assert.InDelta(t, want, int(row[x]), 2, "%s at %d,%d (integer rounding apart)", name, x, y)
			}
		}
	}
}

func TestGrayCropAndRotate(t *testing.T) {
	t.Parallel()
	g := wrapGray([]byte{
		1, 2, 3,
		4, 5, 6,
	}, 3, 3, 2)
	c, err := g.Crop(1, 0, 2, 2)
	require.NoError(t, err)
	assert.Equal(t, []byte{2, 3, 5, 6}, c.GetMatrix())
	r, err := g.RotateCounterClockwise()
	require.NoError(t, err)
	assert.Equal(t, []byte{3, 6, 2, 5, 1, 4}, r.GetMatrix())
	_, err = g.Crop(2, 0, 2, 1)
	assert.Error(t, err)
}

func TestLevelsStretchesWashedOutFrames(t *testing.T) {
	t.Parallel()
	pix := make([]byte, 64*64)
	for i := range pix {
		pix[i] = 110 // ink at 110
		if i%64 >= 32 {
			pix[i] = 160 // paper at 160
		}
	}
	g := wrapGray(pix, 64, 64, 64).levels(nil)
	row, err := g.GetRow(0, nil)
	require.NoError(t, err)
	assert.Equal(t, byte(0), row[0])
	assert.Equal(t, byte(255), row[63])

	crisp := make([]byte, 64*64)
	for i := range crisp {
		if i%64 >= 32 {
			crisp[i] = 255
		}
	}
	orig := wrapGray(crisp, 64, 64, 64)
	assert.Same(t, orig, orig.levels(nil), "a frame with black ink is left alone")
}
