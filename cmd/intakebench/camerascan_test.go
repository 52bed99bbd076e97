package main

import (
	"context"
	"image"
	"io"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// frames is a camera that sees one picture n times, each frame once the
// decoder's quick pass is done with the one before: no frame is dropped,
// so what the stream reports is exact.
type frames struct {
	img  image.Image
	n    int
	dec  barcode.Decoder
	turn chan struct{}
}

func newFrames(img image.Image, n int) *frames {
	f := &frames{img: img, n: n, turn: make(chan struct{}, 1)}
	f.turn <- struct{}{}
	return f
}

func (f *frames) Next(ctx context.Context) (image.Image, error) {
	select {
	case <-f.turn:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.n == 0 {
		return nil, io.EOF
	}
	f.n--
	return f.img, nil
}

func (f *frames) Decode(ctx context.Context, img image.Image, e barcode.Effort) ([]barcode.Barcode, error) {
	if e == barcode.Quick {
		defer func() { f.turn <- struct{}{} }()
	}
	return f.dec.Decode(ctx, img, e)
}

func TestCameraReadsReachTheBenchOnlyAsIMEIsWithTheirCheckDigit(t *testing.T) {
	tests := []struct {
		text string
		want device.Event
	}{
		{"356938035643809", device.Scan{Source: "camera:test", Raw: "356938035643809", Symbology: "CODE_128"}},
		{"356938035643808", device.Rejected{Source: "camera:test",
			Reason: "356938035643808 is 15 digits but not an IMEI: its check digit is wrong"}},
		{"F2LXK0ABHG7F", device.Scan{Source: "camera:test", Raw: "F2LXK0ABHG7F", Symbology: "CODE_128"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			sym, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: tt.text}, 3, 90)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out := make(chan device.Event, 16)
			f := newFrames(barcodetest.OnCanvas(sym, 640, 480, 0.6), 4)
			s := cameraStream("test", f)
			s.Decoder = f
			require.NoError(t, s.Run(ctx, out))
			var got []device.Event
			for len(out) > 0 {
				switch ev := (<-out).(type) {
				case device.Scan:
					ev.At = time.Time{}
					got = append(got, ev)
				case device.Rejected:
					ev.At, ev.Raw = time.Time{}, nil
					got = append(got, ev)
				}
			}
			assert.Equal(t, []device.Event{tt.want}, got, "one report, once two frames agree")
		})
	}
}
