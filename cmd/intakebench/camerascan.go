package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/camera"
	"github.com/intakebench/intakebench/intake"
)

// checkIMEIRead vets a confirmed camera read before it reaches the bench:
// fifteen digits are an IMEI only when their check digit is right (a
// misread bar of a Code 128 can change a digit and still decode). Other
// codes are the scan parser's to judge.
func checkIMEIRead(b barcode.Barcode) error {
	text := strings.TrimSpace(b.Text)
	if len(text) == 15 && isDigits(text) && !intake.LuhnValid(text) {
		return fmt.Errorf("%s is 15 digits but not an IMEI: its check digit is wrong", text)
	}
	return nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// cameraStream is the live pipeline on frames: what two frames confirm,
// with IMEIs checked, is reported as a scan.
func cameraStream(name string, frames camera.FrameSource) *camera.Stream {
	return &camera.Stream{Source: "camera:" + name, Frames: frames, Check: checkIMEIRead}
}

// startCameraScanner scans with the webcam at dev, when one is given,
// beside the other readers; a camera that fails is reported, never fatal.
func startCameraScanner(ctx context.Context, dev string, out chan<- device.Event, stderr io.Writer) {
	if dev == "" {
		return
	}
	go func() {
		cam, err := camera.OpenWebcam(dev, 1280, 720)
		if err != nil {
			fmt.Fprintf(stderr, "camera scanner: %v\n", err)
			return
		}
		defer cam.Close()
		if err := cameraStream(dev, cam).Run(ctx, out); err != nil && ctx.Err() == nil {
			fmt.Fprintf(stderr, "camera scanner %s: %v\n", dev, err)
		}
	}()
}
