package camera_test

import (
	"context"
	"fmt"
	"image"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
	"github.com/intakebench/intakebench/device/camera"
)

// framePeriod is a webcam's 30 frames a second.
const framePeriod = time.Second / 30

// paced is a clip played as a live camera: frame i is handed out at
// start + i frame periods (start is set before the stream runs), and a decoder that is still busy then finds a
// newer frame waiting, never a backlog.
type paced struct {
	frames []image.Image
	start  time.Time
	next   int
}

func (p *paced) Next(ctx context.Context) (image.Image, error) {
	if p.next == len(p.frames) {
		return nil, io.EOF
	}
	at := p.start.Add(time.Duration(p.next) * framePeriod)
	select {
	case <-time.After(time.Until(at)):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.next++
	return p.frames[p.next-1], nil
}

// clipResult is how the live pipeline did on one clip.
type clipResult struct {
	first time.Duration // to the first confirmed correct read; < 0 for none
	wrong int           // confirmed reads of codes the clip does not hold
}

// runClip plays frames through the camera pipeline (capture, newest-frame
// decode, two-frame confirmation, escalation to the thorough pass) as the
// bench runs it.
func runClip(b *testing.B, frames []image.Image, want []string) clipResult {
	src := &paced{frames: frames, start: time.Now()}
	s := &camera.Stream{Source: "clip", Frames: src, Check: imeiCheck}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := make(chan device.Event, 64)
	res := clipResult{first: -1}
	var wg sync.WaitGroup
	wg.Go(func() {
		for ev := range out {
			sc, ok := ev.(device.Scan)
			if !ok {
				continue
			}
			if !slices.Contains(want, sc.Raw) {
				res.wrong++
				continue
			}
			if res.first < 0 {
				res.first = time.Since(src.start) // confirmed and delivered
			}
		}
	})
	if err := s.Run(ctx, out); err != nil {
		b.Fatal(err)
	}
	close(out)
	wg.Wait()
	return res
}

// BenchmarkClips plays one-second clips of an IMEI sticker (Code 128, QR,
// Data Matrix) or a box label held under a 720p and a 1080p webcam (hand
// shake, motion blur, focus hunting) through the live pipeline in real
// time, and reports the time to the first confirmed correct read (median,
// p95) and the share of clips read within a second.
func BenchmarkClips(b *testing.B) {
	const perKind = 3
	kinds := []barcodetest.Kind{barcodetest.IMEICode128, barcodetest.IMEIQR, barcodetest.IMEIDataMatrix, barcodetest.BoxLabel}
	for _, size := range []image.Point{{1280, 720}, {1920, 1080}} {
		b.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(b *testing.B) {
			type clip struct {
				frames []image.Image
				want   []string
			}
			var clips []clip
			for _, k := range kinds {
				for i := range perKind {
					scenes := barcodetest.Clip(uint64(100*int(k)+i+1), k, size.X, size.Y)
					frames := make([]image.Image, len(scenes))
					var wg sync.WaitGroup
					for j := range scenes {
						wg.Go(func() {
							img, err := scenes[j].Render()
							if err != nil {
								b.Error(err)
							}
							frames[j] = img
						})
						if j%2 == 1 {
							wg.Wait() // two cores: two frames at a time
						}
					}
					wg.Wait()
					var want []string
					for _, c := range scenes[0].Codes {
						want = append(want, c.Text)
					}
					clips = append(clips, clip{frames, want})
				}
			}
			var results []clipResult
			b.ResetTimer()
			for b.Loop() {
				results = results[:0]
				for _, c := range clips {
					results = append(results, runClip(b, c.frames, c.want))
				}
			}
			b.StopTimer()
			var firsts []time.Duration
			within, wrong := 0, 0
			for _, r := range results {
				wrong += r.wrong
				if r.first < 0 {
					firsts = append(firsts, time.Hour) // never: sorts last
					continue
				}
				firsts = append(firsts, r.first)
				if r.first <= time.Second {
					within++
				}
			}
			slices.Sort(firsts)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(firsts[len(firsts)/2]), "ms-to-read-median")
			b.ReportMetric(ms(firsts[min(len(firsts)-1, len(firsts)*95/100)]), "ms-to-read-p95")
			b.ReportMetric(100*float64(within)/float64(len(results)), "%-read-within-1s")
			b.ReportMetric(float64(wrong), "wrong-reads")
		})
	}
}
