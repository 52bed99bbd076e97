package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/blackjack/webcam"
)

// V4L2 pixel formats, as fourcc codes.
const (
	fourccGREY = 'G' | 'R'<<8 | 'E'<<16 | 'Y'<<24
	fourccYUYV = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	fourccMJPG = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
)

// Webcam is a FrameSource reading a V4L2 device with
// github.com/blackjack/webcam (pure Go, no cgo). Only the luminance of a
// frame is kept: GREY and YUYV frames give it directly, MJPEG frames are
// decoded. There is no webcam on the machines this was written on, so only
// opening is tested; the rest follows the library's documented use.
type Webcam struct {
	cam           *webcam.Webcam
	format        webcam.PixelFormat
	width, height int
}

// OpenWebcam opens device (e.g. /dev/video0) near the requested size,
// preferring formats that need no decoding, and starts streaming.
func OpenWebcam(device string, width, height int) (*Webcam, error) {
	cam, err := webcam.Open(device)
	if err != nil {
		return nil, fmt.Errorf("camera: opening %s: %w", device, err)
	}
	supported := cam.GetSupportedFormats()
	var format webcam.PixelFormat
	for _, f := range []webcam.PixelFormat{fourccGREY, fourccYUYV, fourccMJPG} {
		if _, ok := supported[f]; ok {
			format = f
			break
		}
	}
	if format == 0 {
		cam.Close()
		return nil, fmt.Errorf("camera: %s offers none of GREY, YUYV, MJPEG (has %v)", device, supported)
	}
	got, w, h, err := cam.SetImageFormat(format, uint32(width), uint32(height))
	if err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: setting the format of %s: %w", device, err)
	}
	// Few buffers: a deep queue would hand out stale frames.
	if err := cam.SetBufferCount(2); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: setting the buffers of %s: %w", device, err)
	}
	if err := cam.StartStreaming(); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: starting %s: %w", device, err)
	}
	return &Webcam{cam: cam, format: got, width: int(w), height: int(h)}, nil
}

// Next waits for the next frame, checking ctx between short waits.
func (c *Webcam) Next(ctx context.Context) (image.Image, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := c.cam.WaitForFrame(1) // seconds
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("camera: waiting for a frame: %w", err)
		}
		// GetFrame lends the driver's buffer: convert (copying) before
		// handing it back, or the driver may overwrite it mid-read.
		frame, index, err := c.cam.GetFrame()
		if err != nil {
			return nil, fmt.Errorf("camera: reading a frame: %w", err)
		}
		var img image.Image
		if len(frame) > 0 {
			img, err = c.convert(frame)
		}
		if rerr := c.cam.ReleaseFrame(index); rerr != nil && err == nil {
			err = fmt.Errorf("camera: releasing a frame: %w", rerr)
		}
		if err != nil || img != nil {
			return img, err
		}
	}
}

func (c *Webcam) convert(frame []byte) (image.Image, error) {
	switch c.format {
	case fourccGREY:
		img := image.NewGray(image.Rect(0, 0, c.width, c.height))
		copy(img.Pix, frame)
		return img, nil
	case fourccYUYV:
		img := image.NewGray(image.Rect(0, 0, c.width, c.height))
		for i := range min(len(img.Pix), len(frame)/2) {
			img.Pix[i] = frame[2*i] // Y0 U Y1 V: every other byte is luminance
		}
		return img, nil
	default:
		img, err := jpeg.Decode(bytes.NewReader(frame))
		if err != nil {
			return nil, fmt.Errorf("camera: decoding an MJPEG frame: %w", err)
		}
		return img, nil
	}
}

// Close stops streaming and releases the device.
func (c *Webcam) Close() error {
	if err := c.cam.Close(); err != nil {
		return fmt.Errorf("camera: closing: %w", err)
	}
	return nil
}
