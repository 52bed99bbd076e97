package barcode_test

import (
	"context"
	"fmt"
	"image"
	"slices"
	"testing"
	"time"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// webcamFrame is a phone box label as a webcam at w×h sees it: a little
// tilted, a little soft, with sensor noise.
func webcamFrame(tb testing.TB, w, h int) *image.Gray {
	tb.Helper()
	l := label(tb, 3)
	frame := barcodetest.OnCanvas(barcodetest.Rotate(l, 4), w, h, 0.8)
	return barcodetest.Noise(barcodetest.Blur(frame, 1), 4, 1)
}

// reportLatency adds the median and 95th percentile of ds as metrics.
func reportLatency(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(ds[len(ds)/2]), "ms-median")
	b.ReportMetric(ms(ds[min(len(ds)-1, len(ds)*95/100)]), "ms-p95")
}

// BenchmarkDecodeFrame times one frame, grey conversion included, at webcam
// resolutions; codes/frame says how much of the label each pass read.
func BenchmarkDecodeFrame(b *testing.B) {
	for _, size := range []image.Point{{640, 480}, {1280, 720}, {1920, 1080}} {
		gray := webcamFrame(b, size.X, size.Y)
		// A webcam hands over YCbCr (MJPEG) or YUYV; make the frame one.
		frame := image.NewYCbCr(gray.Bounds(), image.YCbCrSubsampleRatio420)
		copy(frame.Y, gray.Pix)
		for i := range frame.Cb {
			frame.Cb[i], frame.Cr[i] = 128, 128
		}
		for _, effort := range []struct {
			name string
			e    barcode.Effort
		}{{"quick", barcode.Quick}, {"thorough", barcode.Thorough}} {
			b.Run(fmt.Sprintf("%dx%d/%s", size.X, size.Y, effort.name), func(b *testing.B) {
				var dec barcode.Reader // kept across frames, as the camera keeps it
				var ds []time.Duration
				found := 0
				for b.Loop() {
					start := time.Now()
					codes, err := dec.Decode(context.Background(), frame, effort.e)
					ds = append(ds, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
					found = len(codes)
				}
				reportLatency(b, ds)
				b.ReportMetric(float64(found), "codes/frame")
			})
		}
	}
}
