package barcode

import (
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// TestReadQRMatchesZXing checks the run-by-run finder search against
// gozxing's QRCodeReader on the same binarised frames: the same read or
// the same failure, points and metadata included. The frames are the
// QR codes of the synthetic corpus at every size, box labels (1D bars
// full of 1:1:3:1:1 runs that are no finder pattern) and ZXing's QR
// photos.
func TestReadQRMatchesZXing(t *testing.T) {
	t.Parallel()
	var frames []*gray
	for _, s := range barcodetest.Corpus(12, 72) {
		if s.Kind != barcodetest.IMEIQR && (s.Kind != barcodetest.BoxLabel || s.W != 640) {
			continue
		}
		img, err := s.Render()
		require.NoError(t, err)
		frames = append(frames, newGray(img))
	}
	for _, folder := range []string{"qrcode-1", "qrcode-2"} {
		paths, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "testdata", "zxing-blackbox", folder, "*.png"))
		for _, p := range paths {
			f, err := os.Open(p)
			require.NoError(t, err)
			img, _, err := image.Decode(f)
			f.Close()
			require.NoError(t, err, p)
			frames = append(frames, newGray(img))
		}
	}
	var row *gozxing.BitArray
	reads := 0
	for i, img := range frames {
		m, err := newHybrid(img).GetBlackMatrix()
		require.NoError(t, err)
		bm, err := gozxing.NewBinaryBitmap(&matrixBinarizer{src: img, m: m})
		require.NoError(t, err)
		want, wantErr := qrcode.NewQRCodeReader().Decode(bm, nil)
		got, gotErr := readQR(m, &row)
		require.Equal(t, wantErr == nil, gotErr == nil, "frame %d: %v / %v", i, wantErr, gotErr)
		if wantErr != nil {
			continue
		}
		reads++
		assert.Equal(t, want.GetText(), got.GetText(), "frame %d", i)
		assert.Equal(t, want.GetResultPoints(), got.GetResultPoints(), "frame %d", i)
		assert.Equal(t, want.GetResultMetadata(), got.GetResultMetadata(), "frame %d", i)
	}
	t.Logf("%d frames, %d read", len(frames), reads)
	assert.Greater(t, reads, len(frames)/3, "too few reads to compare")
}

// TestMayBeFinderLetsEveryFinderThrough: the integer prefilter never
// rules out a pattern ZXing's test accepts, over every run of counts up
// to 12 pixels, and does rule out most of the rest.
func TestMayBeFinderLetsEveryFinderThrough(t *testing.T) {
	t.Parallel()
	const most = 12
	c := make([]int, 5)
	accepted, passed, total := 0, 0, 0
	var walk func(i int)
	walk = func(i int) {
		if i == 5 {
			total++
			zx := detector.FinderPatternFinder_foundPatternCross(c)
			ours := mayBeFinder(c)
			if zx {
				accepted++
				require.True(t, ours, "%v", c)
			}
			if ours {
				passed++
			}
			return
		}
		for n := range most + 1 {
			c[i] = n
			walk(i + 1)
		}
	}
	walk(0)
	t.Logf("%d of %d count runs are finder patterns; the prefilter passes %d", accepted, total, passed)
	assert.Less(t, passed, 2*accepted)
}

// TestNextChange finds the ends of runs across word boundaries and at the
// end of a row.
func TestNextChange(t *testing.T) {
	t.Parallel()
	row := gozxing.NewBitArray(70)
	for x := 30; x < 40; x++ { // black from 30 to 39
		row.Set(x)
	}
	row.Set(69) // and the last pixel
	words := row.GetBitArray()
	tests := []struct {
		x     int
		black bool
		want  int
	}{
		{0, false, 30},
		{30, true, 40},
		{35, true, 40},
		{40, false, 69},
		{69, true, 70},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, nextChange(words, tt.x, tt.black, 70), "from %d", tt.x)
	}
}
