package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"

	"fyne.io/fyne/v2"

	"github.com/intakebench/intakebench/ui"
)

// settingsCamera takes photos with the camera picked in Settings at the
// moment of the photo, so a change there needs no restart.
type settingsCamera struct{ prefs fyne.Preferences }

func (c settingsCamera) Capture(ctx context.Context) ([]byte, error) {
	device := c.prefs.String(ui.PrefCamera)
	if device == "" {
		return nil, errors.New("no camera is set for this bench: pick one in Settings, or add photos from files")
	}
	return stillCamera{input: device, format: "v4l2", settle: 5}.Capture(ctx)
}

// stillCamera takes device photos: one colour JPEG from a camera, through
// ffmpeg. The barcode path keeps only the luminance of frames; a photo for
// a damage claim needs colour.
type stillCamera struct {
	input  string // e.g. /dev/video0
	format string // ffmpeg input format, e.g. v4l2
	// settle is how many frames to let pass first, while the camera's
	// exposure and focus settle.
	settle int
}

func (c stillCamera) Capture(ctx context.Context) ([]byte, error) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return nil, errors.New("ffmpeg is not installed (apt-get install ffmpeg): the bench takes photos with it")
	}
	args := []string{"-hide_banner", "-loglevel", "error"}
	if c.format != "" {
		args = append(args, "-f", c.format)
	}
	args = append(args, "-i", c.input,
		"-vf", fmt.Sprintf(`select=gte(n\,%d)`, c.settle), "-frames:v", "1",
		"-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "-")
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	jpeg, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("take a photo with %s: %w: %s", c.input, err, bytes.TrimSpace(stderr.Bytes()))
	}
	if len(jpeg) == 0 {
		return nil, fmt.Errorf("take a photo with %s: the camera gave no picture", c.input)
	}
	return jpeg, nil
}
