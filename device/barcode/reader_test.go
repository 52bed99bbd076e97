package barcode_test

import (
	"context"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// TestReaderKeepsNothingBetweenFrames decodes a run of frames of changing
// size, contrast and content with one Reader, as the camera's frame loop
// does, and each must give exactly what a fresh Decoder gives it: the
// buffers a Reader keeps carry nothing from one frame into the next.
func TestReaderKeepsNothingBetweenFrames(t *testing.T) {
	t.Parallel()
	box := webcamFrame(t, 640, 480)
	frames := []struct {
		name  string
		img   image.Image
		codes bool // whether the frame shows any code
	}{
		{"box label", box, true},
		{"washed out", barcodetest.Contrast(box, 90, 170), true},
		{"larger frame", webcamFrame(t, 800, 600), true},
		{"empty desk", image.NewGray(image.Rect(0, 0, 640, 480)), false},
		{"box label again", box, true},
		{"a smaller crop of it", box.SubImage(image.Rect(0, 0, 500, 400)), true},
	}
	var r barcode.Reader
	for _, e := range []barcode.Effort{barcode.Quick, barcode.Thorough} {
		for _, f := range frames {
			fresh, err := barcode.Decoder{}.Decode(context.Background(), f.img, e)
			require.NoError(t, err)
			kept, err := r.Decode(context.Background(), f.img, e)
			require.NoError(t, err)
			assert.Equal(t, fresh, kept, "%s, effort %d", f.name, e)
			assert.Equal(t, f.codes, len(kept) > 0, "%s, effort %d", f.name, e)
		}
	}
}
