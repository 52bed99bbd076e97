//go:build !linux

package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
)

// ErrNoWebcam is what OpenWebcam says where the bench has no webcam
// reader: live camera scanning reads V4L2, which only Linux has.
var ErrNoWebcam = errors.New("live camera scanning is not available on this system (it needs Linux); use a USB-serial or keyboard-wedge scanner, or type the IMEI")

// Webcam is never opened here; it exists so that the bench builds.
type Webcam struct{}

// OpenWebcam fails with ErrNoWebcam.
func OpenWebcam(device string, width, height int) (*Webcam, error) {
	return nil, fmt.Errorf("camera: %s on %s: %w", device, runtime.GOOS, ErrNoWebcam)
}

// Next fails with ErrNoWebcam.
func (c *Webcam) Next(context.Context) (image.Image, error) { return nil, ErrNoWebcam }

// Close does nothing.
func (c *Webcam) Close() error { return nil }
