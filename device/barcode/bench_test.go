package barcode_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
				var dec barcode.Decoder
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

// BenchmarkBlackboxVsZbar decodes ZXing's photos with this decoder and
// with zbarimg (ZBar, if installed) and reports both pass rates and times
// per image. zbarimg's time includes starting a process per image, and ZBar
// reads no Data Matrix codes.
func BenchmarkBlackboxVsZbar(b *testing.B) {
	zbar, zerr := exec.LookPath("zbarimg")
	folders := []string{"code128-1", "code128-2", "code128-3", "datamatrix-1", "ean13-1", "qrcode-1", "qrcode-2"}
	type result struct {
		pass, n   int
		timeTaken time.Duration
	}
	for _, folder := range folders {
		cases := samples(b, folder)
		imgs := make([]image.Image, len(cases))
		for i, s := range cases {
			imgs[i] = loadImage(b, s.path)
		}
		b.Run(folder, func(b *testing.B) {
			var ours, theirs result
			for b.Loop() {
				ours, theirs = result{n: len(cases)}, result{n: len(cases)}
				for i, s := range cases {
					start := time.Now()
					codes, err := barcode.Decoder{}.Decode(context.Background(), imgs[i], barcode.Thorough)
					ours.timeTaken += time.Since(start)
					if err != nil {
						b.Fatal(err)
					}
					if found(codes, s.want) {
						ours.pass++
					}
					if zerr != nil {
						continue
					}
					start = time.Now()
					out, _ := exec.Command(zbar, "-q", "--raw", s.path).Output() // exit 4: nothing found
					theirs.timeTaken += time.Since(start)
					if zbarFound(out, s.want) {
						theirs.pass++
					}
				}
			}
			b.ReportMetric(100*float64(ours.pass)/float64(ours.n), "ours-%")
			b.ReportMetric(float64(ours.timeTaken.Milliseconds())/float64(ours.n), "ours-ms/img")
			if zerr == nil {
				b.ReportMetric(100*float64(theirs.pass)/float64(theirs.n), "zbar-%")
				b.ReportMetric(float64(theirs.timeTaken.Milliseconds())/float64(theirs.n), "zbar-ms/img")
			}
			b.Logf("%s: ours %d/%d, zbar %d/%d (zbar: %v)", filepath.Base(folder), ours.pass, ours.n, theirs.pass, theirs.n, zerr)
		})
	}
}

// zbarFound matches zbarimg --raw output, one code per line (a code's own
// newlines included), against the expected text; ZBar reports UPC-A as
// EAN-13 with a leading zero, as ZXing's samples spell it.
func zbarFound(out []byte, want string) bool {
	text := string(bytes.TrimRight(out, "\n"))
	return text == want || strings.Contains("\n"+text+"\n", "\n"+want+"\n")
}
