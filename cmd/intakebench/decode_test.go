package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode/barcodetest"
	"github.com/intakebench/intakebench/intake"
)

// TestDecodeTiltedLabel: `intakebench decode` on a webcam shot of a box
// label tilted 4°, soft and noisy, at about 3.9 px a module: both IMEIs
// and the EAN come out as identifiers (issue 12: it used to give nothing).
func TestDecodeTiltedLabel(t *testing.T) {
	t.Parallel()
	imei1, imei2 := barcodetest.WithLuhn("35693803564380"), barcodetest.WithLuhn("35693803564381")
	codes := []barcodetest.Code{
		{Format: gozxing.BarcodeFormat_CODE_128, Text: imei1},
		{Format: gozxing.BarcodeFormat_CODE_128, Text: imei2},
		{Format: gozxing.BarcodeFormat_EAN_13, Text: "4006381333931"},
	}
	l, err := barcodetest.Label(codes, 4)
	require.NoError(t, err)
	frame := barcodetest.OnCanvas(barcodetest.Rotate(l, 4), 1280, 720, 0.97)
	img := barcodetest.Noise(barcodetest.GaussianBlur(frame, 0.9), 5, 11)
	path := filepath.Join(t.TempDir(), "label.png")
	writePNG(t, path, img)

	var out, errOut bytes.Buffer
	require.NoError(t, runDecode(context.Background(), []string{path}, &out, &errOut))
	var got decoded
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Empty(t, got.Error)
	assert.ElementsMatch(t, []intake.Identifier{
		{Kind: intake.KindIMEI, Value: imei1},
		{Kind: intake.KindIMEI, Value: imei2},
		{Kind: intake.KindEAN13, Value: "4006381333931"},
	}, got.Identifiers)
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
}
