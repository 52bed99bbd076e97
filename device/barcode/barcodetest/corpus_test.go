package barcodetest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// TestCorpusIsFixed: the corpus is the same on every machine and run, and
// spreads evenly over what it promises to cover.
func TestCorpusIsFixed(t *testing.T) {
	t.Parallel()
	scenes := barcodetest.Corpus(12, 480)
	require.Len(t, scenes, 480)
	assert.Equal(t, scenes, barcodetest.Corpus(12, 480))
	kinds, buckets, sizes := map[string]int{}, map[string]int{}, map[int]int{}
	for _, s := range scenes {
		kinds[s.Kind.String()]++
		buckets[s.RotationBucket]++
		sizes[s.W]++
		assert.GreaterOrEqual(t, s.Module, 1.5, s.Name())
		assert.LessOrEqual(t, s.Module, 5.0, s.Name())
		assert.LessOrEqual(t, s.Keystone, 15.0, s.Name())
	}
	assert.Equal(t, map[string]int{"code128": 120, "qr": 120, "datamatrix": 120, "label": 120}, kinds)
	assert.Equal(t, map[string]int{"0": 80, "3-6": 80, "10-20": 80, "45": 80, "90": 80, "any": 80}, buckets)
	assert.Equal(t, map[int]int{640: 168, 1280: 168, 1920: 144}, sizes)
	assert.Equal(t, "label/640x480/rot180/mod1.6/seed12000039", scenes[3].Name())
}

// TestRenderIsDeterministic: a scene draws the same pixels every time.
func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	s := barcodetest.Corpus(12, 8)[5]
	a, err := s.Render()
	require.NoError(t, err)
	b, err := s.Render()
	require.NoError(t, err)
	assert.Equal(t, a.Pix, b.Pix)
	assert.Equal(t, s.W, a.Bounds().Dx())
	assert.Equal(t, s.H, a.Bounds().Dy())
}

// TestClip: a clip is a second of frames of one label, moving a little.
func TestClip(t *testing.T) {
	t.Parallel()
	frames := barcodetest.Clip(1, barcodetest.BoxLabel, 1280, 720)
	require.Len(t, frames, barcodetest.ClipFrames)
	for _, f := range frames {
		assert.Equal(t, frames[0].Codes, f.Codes, "one label throughout")
		assert.Equal(t, frames[0].Seed, f.Seed)
	}
	assert.Len(t, frames[0].Codes, 3)
	assert.Greater(t, frames[0].Blur, frames[10].Blur, "in focus after the hunt")
}
