package barcode_test

import (
	"context"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// TestQuickReadsSquareOnCodesOnADesk: frames of the synthetic corpus
// (seed 12) that zxing-cpp read and the live pass did not, all square on
// to the camera. The line's black point, set in the valley between the
// grey desk and the paper, lay so close to paper that bars swelled past
// what the Code 128 reader takes, and on a dim, noisy frame a single
// sharpened row split the bars; a second binarisation of such lines
// (three rows averaged, cut half way between ink and paper) reads them.
func TestQuickReadsSquareOnCodesOnADesk(t *testing.T) {
	t.Parallel()
	code128 := func(text string) barcodetest.Code {
		return barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: text}
	}
	tests := []struct {
		name  string
		scene barcodetest.Scene
		want  []textFormat
	}{
		{
			name: "grey desk, sharp enough",
			scene: barcodetest.Scene{
				Kind: barcodetest.IMEICode128, Codes: []barcodetest.Code{code128("354129276247243")},
				Module: 3.24, Blur: 1.1, Noise: 5, JPEG: 66,
				W: 1920, H: 1080, Seed: 12000300,
			},
			want: []textFormat{{"354129276247243", "CODE_128"}},
		},
		{
			name: "dim and noisy, tilted back",
			scene: barcodetest.Scene{
				Kind: barcodetest.IMEICode128, Codes: []barcodetest.Code{code128("358147785685865")},
				Module: 4.4, Keystone: 7.2, Nearest: true, Blur: 1.08, Noise: 13.8, JPEG: 51, LowContrast: true,
				W: 1920, H: 1080, Seed: 12000084,
			},
			want: []textFormat{{"358147785685865", "CODE_128"}},
		},
		{
			name: "box label tilted back at 640x480",
			scene: barcodetest.Scene{
				Kind: barcodetest.BoxLabel,
				Codes: []barcodetest.Code{
					code128("358033171181737"), code128("350095863359697"),
					{Format: gozxing.BarcodeFormat_EAN_13, Text: "4003109883150"},
				},
				Module: 1.96, Keystone: 11.8, Nearest: true, Blur: 0.61, Noise: 14.3,
				W: 640, H: 480, Seed: 12000399,
			},
			want: []textFormat{
				{"350095863359697", "CODE_128"},
				{"358033171181737", "CODE_128"},
				{"4003109883150", "EAN_13"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img, err := tt.scene.Render()
			require.NoError(t, err)
			codes, err := barcode.Decoder{}.Decode(context.Background(), img, barcode.Quick)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got(codes))
		})
	}
}
