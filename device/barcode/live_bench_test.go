package barcode_test

import (
	"context"
	"flag"
	"fmt"
	"image"
	"slices"
	"testing"
	"time"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// kept is the live pass as the camera runs it: one Reader kept from frame
// to frame, so its buffers are reused.
func kept() func(img *image.Gray) (time.Duration, []textFormat, error) {
	var r barcode.Reader
	return func(img *image.Gray) (time.Duration, []textFormat, error) {
		start := time.Now()
		codes, err := r.Decode(context.Background(), img, barcode.Quick)
		return time.Since(start), got(codes), err
	}
}

// BenchmarkLive times the live pass alone on the corpus frames, the
// issue's target being 1280×720 at a median of 15 ms and a 95th
// percentile of 33 ms on one core (run it with -cpu 1). It reports per
// frame size, and per rotation at 1280×720: read %, frames with a wrong
// read, median and p95 ms. -corpus picks how many frames.
func BenchmarkLive(b *testing.B) {
	runLive(b, []reader{{"quick", kept()}})
}

// liveScenes are the corpus frames BenchmarkLive decodes.
func liveScenes() []barcodetest.Scene {
	scenes := barcodetest.Corpus(corpusSeed, *corpusSize)
	if *liveSize != "" {
		scenes = slices.DeleteFunc(scenes, func(s barcodetest.Scene) bool {
			return fmt.Sprintf("%dx%d", s.W, s.H) != *liveSize
		})
	}
	return scenes
}

// liveSize limits BenchmarkLive to frames of one size, e.g. 1280x720.
var liveSize = flag.String("livesize", "", "only frames of this size (WxH) in BenchmarkLive")

func runLive(b *testing.B, readers []reader) {
	scenes := liveScenes()
	compareLive(b, scenes, renderAll(b, scenes), readers)
}

// compareLive decodes the rendered scenes with each reader in turn and
// prints and reports the comparison.
func compareLive(b *testing.B, scenes []barcodetest.Scene, imgs []*image.Gray, readers []reader) {
	var cmp *comparison
	b.ResetTimer()
	for b.Loop() {
		cmp = newComparison(readers)
		for i, s := range scenes {
			want := want(s.Codes)
			size := fmt.Sprintf("size=%dx%d", s.W, s.H)
			// Each frame by every reader in turn, so a busy moment of the
			// machine costs them alike.
			for r, rd := range readers {
				took, codes, err := rd.decode(imgs[i])
				if err != nil {
					b.Fatalf("%s on %s: %v", rd.name, s.Name(), err)
				}
				o := judge(want, "", codes, took)
				cmp.add("all", r, o)
				cmp.add(size, r, o)
				if s.W == 1280 {
					cmp.add("1280x720 rot="+s.RotationBucket, r, o)
					cmp.add("1280x720 kind="+s.Kind.String(), r, o)
				}
			}
		}
	}
	b.StopTimer()
	fmt.Printf("BenchmarkLive: seed %d, %d frames\n%s", corpusSeed, len(scenes), cmp.table())
	cmp.report(b)
}
