// Package camera reads barcodes from a stream of frames, a webcam (V4L2),
// a video file (through ffmpeg) or image files, and reports them as
// device.Events. The decoder always works on the newest frame: frames that
// arrive while it is busy are dropped, never queued, so a slow decode makes
// the stream coarser, not later. A code is reported once it has been read
// in two frames close together, which keeps a one-frame misread off the
// bench; when the quick pass keeps finding nothing new, the thorough pass
// looks on a goroutine of its own, so the live pass never waits for it.
package camera

import (
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // image files and MJPEG webcams
	_ "image/png"
	"io"
	"os"
)

// FrameSource yields frames until it runs out (io.EOF) or fails.
type FrameSource interface {
	// Next blocks until a frame is available or ctx ends.
	Next(ctx context.Context) (image.Image, error)
}

// ReadImage reads a PNG or JPEG file.
func ReadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("camera: decoding %s: %w", path, err)
	}
	return img, nil
}

// Files is a FrameSource of image files, one frame each, in order.
type Files struct {
	paths []string
}

// NewFiles returns a source that reads paths in turn.
func NewFiles(paths ...string) *Files { return &Files{paths: paths} }

func (f *Files) Next(ctx context.Context) (image.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(f.paths) == 0 {
		return nil, io.EOF
	}
	path := f.paths[0]
	f.paths = f.paths[1:]
	return ReadImage(path)
}

// Images is a FrameSource of frames already in memory, for tests and
// replays.
type Images []image.Image

func (s *Images) Next(ctx context.Context) (image.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(*s) == 0 {
		return nil, io.EOF
	}
	img := (*s)[0]
	*s = (*s)[1:]
	return img, nil
}
