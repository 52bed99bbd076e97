package camera_test

import (
	"context"
	"fmt"
	"image"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
	"github.com/intakebench/intakebench/device/camera"
	"github.com/intakebench/intakebench/intake"
)

// liveSource delivers the same frame every few milliseconds until ctx
// ends, like a webcam pointed at a label.
type liveSource struct{ img image.Image }

func (l liveSource) Next(ctx context.Context) (image.Image, error) {
	select {
	case <-time.After(2 * time.Millisecond):
		return l.img, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hardLabel is a decoder whose quick pass finds nothing and whose
// thorough pass finds the IMEI, once the test lets each look finish.
type hardLabel struct {
	release  chan struct{}
	thorough atomic.Int32
}

var hardIMEI = barcode.Barcode{Text: "356938035643809", Format: "CODE_128"}

func (d *hardLabel) Decode(ctx context.Context, _ image.Image, e barcode.Effort) ([]barcode.Barcode, error) {
	if e == barcode.Quick {
		return nil, nil
	}
	d.thorough.Add(1)
	select {
	case <-d.release:
		return []barcode.Barcode{hardIMEI}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestStreamEscalatesOffTheFrameLoop: while the thorough pass works, the
// quick pass keeps decoding new frames; two thorough looks that agree
// confirm the code.
func TestStreamEscalatesOffTheFrameLoop(t *testing.T) {
	t.Parallel()
	dec := &hardLabel{release: make(chan struct{})}
	s := &camera.Stream{Source: "camera:test", Frames: liveSource{blank(64, 48)}, Decoder: dec}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := make(chan device.Event, 16)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, out) }()

	require.Eventually(t, func() bool { return s.Stats().Thorough == 1 }, 10*time.Second, time.Millisecond)
	before := s.Stats().Decoded
	require.Eventually(t, func() bool { return s.Stats().Decoded >= before+10 }, 10*time.Second, time.Millisecond,
		"the quick pass goes on while the thorough pass works")
	assert.Equal(t, 1, s.Stats().Thorough, "one thorough look at a time")

	dec.release <- struct{}{}
	dec.release <- struct{}{} // the second look, once the first found something
	var scan device.Scan
	require.Eventually(t, func() bool {
		for {
			select {
			case ev := <-out:
				if sc, ok := ev.(device.Scan); ok {
					scan = sc
					return true
				}
			default:
				return false
			}
		}
	}, 10*time.Second, time.Millisecond)
	assert.Equal(t, hardIMEI.Text, scan.Raw)
	assert.Equal(t, 2, s.Stats().Thorough, "confirmed by two looks")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// TestStreamEscalationBacksOff: a thorough look that finds nothing new
// doubles the wait for the next, so an empty desk keeps no core busy.
func TestStreamEscalationBacksOff(t *testing.T) {
	t.Parallel()
	frames := make(camera.Images, 40)
	for i := range frames {
		frames[i] = blank(64, 48)
	}
	ls := newLockstep(&frames)
	s := &camera.Stream{Source: "camera:desk", Frames: ls, Decoder: ls}
	collect(t, s)
	st := s.Stats()
	assert.Equal(t, 40, st.Decoded)
	// Looks after 3, then 6 and 12 more stale frames: at frames 3, 9 and
	// 21 at the earliest, later if a look is slow to finish. Without the
	// backoff there would be 13.
	assert.GreaterOrEqual(t, st.Thorough, 1)
	assert.LessOrEqual(t, st.Thorough, 3)
}

// imeiCheck is the check the app gives the camera: a 15-digit code must
// be an IMEI with a good check digit.
func imeiCheck(b barcode.Barcode) error {
	if len(b.Text) == 15 && !intake.LuhnValid(b.Text) {
		if _, err := intake.LuhnCheckDigit(b.Text); err == nil {
			return fmt.Errorf("%s: the IMEI's check digit is wrong", b.Text)
		}
	}
	return nil
}

// TestStreamCheckRejectsABadIMEI: a label whose IMEI fails its Luhn check
// is reported, once confirmed, as a rejected read, never as a scan.
func TestStreamCheckRejectsABadIMEI(t *testing.T) {
	t.Parallel()
	bad := "356938035643801" // the check digit should be 9
	good := barcodetest.WithLuhn("35693803564381")
	var frames camera.Images
	for _, text := range []string{bad, bad, good, good} {
		sym, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: text}, 3, 90)
		require.NoError(t, err)
		frames = append(frames, barcodetest.OnCanvas(sym, 640, 480, 0.8))
	}
	ls := newLockstep(&frames)
	s := &camera.Stream{Source: "camera:test", Frames: ls, Decoder: ls, Check: imeiCheck}
	var rejected []string
	var scanned []string
	for _, ev := range collect(t, s) {
		switch ev := ev.(type) {
		case device.Rejected:
			rejected = append(rejected, ev.Reason)
		case device.Scan:
			scanned = append(scanned, ev.Raw)
		}
	}
	assert.Equal(t, []string{bad + ": the IMEI's check digit is wrong"}, rejected)
	assert.Equal(t, []string{good}, scanned)
}

// TestStreamThoroughFailureCostsAFrame: a decoder that panics on the
// thorough pass loses that look, not the stream.
func TestStreamThoroughFailureCostsAFrame(t *testing.T) {
	t.Parallel()
	frames := make(camera.Images, 12)
	for i := range frames {
		frames[i] = blank(64, 48)
	}
	ls := newLockstep(&frames)
	s := &camera.Stream{Source: "camera:test", Frames: ls, Decoder: thoroughFails{ls}}
	collect(t, s)
	st := s.Stats()
	assert.Equal(t, 12, st.Decoded)
	assert.Positive(t, st.Failed)
}

type thoroughFails struct{ camera.Decoder }

func (d thoroughFails) Decode(ctx context.Context, img image.Image, e barcode.Effort) ([]barcode.Barcode, error) {
	if e == barcode.Thorough {
		return nil, fmt.Errorf("%w: index out of range", barcode.ErrReader)
	}
	return d.Decoder.Decode(ctx, img, e)
}
