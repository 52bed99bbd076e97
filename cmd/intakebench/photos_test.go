package main

import (
	"bytes"
	"context"
	"image/color"
	"image/jpeg"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func TestStillCameraTakesAColourJPEG(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (make deps installs it)")
	}
	// ffmpeg's test pattern stands in for a webcam: colour bars.
	cam := stillCamera{input: "testsrc=size=320x240:rate=10", format: "lavfi", settle: 3}
	data, err := cam.Capture(context.Background())
	require.NoError(t, err)
	mime, err := intake.PhotoType(data)
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", mime)
	img, err := jpeg.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, 320, img.Bounds().Dx())
	coloured := 0
	for x := 0; x < 320; x += 8 {
		c := color.NRGBAModel.Convert(img.At(x, 120)).(color.NRGBA)
		if max(c.R, c.G, c.B)-min(c.R, c.G, c.B) > 60 {
			coloured++
		}
	}
	assert.Greater(t, coloured, 10, "the photo keeps its colours")
}

func TestStillCameraSaysWhatWentWrong(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (make deps installs it)")
	}
	_, err := stillCamera{input: "/dev/video-none", format: "v4l2"}.Capture(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "take a photo with /dev/video-none")
}
