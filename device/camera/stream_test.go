package camera_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
	"github.com/intakebench/intakebench/device/camera"
)

// collect runs s to completion and returns its events.
func collect(t *testing.T, s device.Source) []device.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := make(chan device.Event, 256)
	err := s.Run(ctx, out)
	require.NoError(t, err)
	close(out)
	var evs []device.Event
	for ev := range out {
		evs = append(evs, ev)
	}
	return evs
}

func scans(evs []device.Event) []string {
	var out []string
	for _, ev := range evs {
		if s, ok := ev.(device.Scan); ok {
			out = append(out, s.Raw)
		}
	}
	return out
}

func phoneBoxTexts() []string {
	var out []string
	for _, c := range barcodetest.PhoneBox() {
		out = append(out, c.Text)
	}
	slices.Sort(out)
	return out
}

func frame(t testing.TB, w, h int) *image.Gray {
	t.Helper()
	l, err := barcodetest.Label(barcodetest.PhoneBox(), 2)
	require.NoError(t, err)
	return barcodetest.OnCanvas(l, w, h, 0.85)
}

func blank(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 90
	}
	return img
}

func TestStreamConfirmsAcrossFrames(t *testing.T) {
	t.Parallel()
	label := frame(t, 960, 540)
	// A label held up, shown for a few frames, taken away and shown again
	// after a while: reported once each time it is held up.
	frames := camera.Images{blank(960, 540), label, label, label, blank(960, 540), label, label}
	ls := newLockstep(&frames)
	s := &camera.Stream{Source: "camera:test", Frames: ls, Decoder: ls, Forget: time.Nanosecond}
	evs := collect(t, s)

	require.IsType(t, device.Status{}, evs[0])
	assert.Equal(t, device.Connected, evs[0].(device.Status).State)
	last := evs[len(evs)-1].(device.Status)
	assert.Equal(t, device.Disconnected, last.State)
	assert.NoError(t, last.Err, "the end of a finite source is not an error")

	got := scans(evs)
	want := append(phoneBoxTexts(), phoneBoxTexts()...)
	slices.Sort(got)
	slices.Sort(want)
	assert.Equal(t, want, got)
	for _, ev := range evs {
		if s, ok := ev.(device.Scan); ok {
			assert.Equal(t, "camera:test", s.Source)
			assert.NotEmpty(t, s.Symbology, "the decoded format stands in for the symbology")
		}
	}
	st := s.Stats()
	assert.Equal(t, 7, st.Read)
	assert.Equal(t, 7, st.Decoded, "in lockstep no frame is dropped")
}

func TestStreamStillFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "label.png")
	writePNG(t, path, frame(t, 800, 600))
	s := &camera.Stream{Source: "file:label.png", Frames: camera.NewFiles(path), Confirm: 1}
	got := scans(collect(t, s))
	slices.Sort(got)
	assert.Equal(t, phoneBoxTexts(), got, "a still image is reported from its one frame")
}

// lockstep pairs a source with a decoder so that each frame is delivered
// only once the decoder is done with the one before: no frame is dropped,
// which makes what the stream reports exact.
type lockstep struct {
	src  camera.FrameSource
	dec  camera.Decoder
	turn chan struct{}
}

func newLockstep(src camera.FrameSource) *lockstep {
	l := &lockstep{src: src, dec: barcode.Decoder{}, turn: make(chan struct{}, 1)}
	l.turn <- struct{}{}
	return l
}

func (l *lockstep) Next(ctx context.Context) (image.Image, error) {
	select {
	case <-l.turn:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return l.src.Next(ctx)
}

// Decode hands out the next turn after a quick pass only: the thorough
// pass runs beside the frame loop, not in its turn.
func (l *lockstep) Decode(ctx context.Context, img image.Image, e barcode.Effort) ([]barcode.Barcode, error) {
	if e == barcode.Quick {
		defer func() { l.turn <- struct{}{} }()
	}
	return l.dec.Decode(ctx, img, e)
}

// numbered is a frame that knows its place in the stream.
type numbered struct {
	image.Image
	n int
}

// burstSource delivers frames as fast as it can, far faster than
// slowDecoder, then blocks like a live camera with nothing new to show.
type burstSource struct {
	mu   sync.Mutex
	next int
	n    int
	img  image.Image
}

func (b *burstSource) Next(ctx context.Context) (image.Image, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == b.n {
		<-ctx.Done() // a live camera: no more frames, but no end either
		return nil, ctx.Err()
	}
	b.next++
	return numbered{b.img, b.next}, nil
}

// slowDecoder records which frames it was given and holds each decode
// until the test lets it go.
type slowDecoder struct {
	mu      sync.Mutex
	got     []int
	release chan struct{}
}

func (d *slowDecoder) Decode(ctx context.Context, img image.Image, _ barcode.Effort) ([]barcode.Barcode, error) {
	d.mu.Lock()
	d.got = append(d.got, img.(numbered).n)
	d.mu.Unlock()
	select {
	case <-d.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return nil, nil
}

func (d *slowDecoder) frames() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

func TestStreamLatestFrameWins(t *testing.T) {
	t.Parallel()
	const n = 200
	src := &burstSource{n: n, img: blank(64, 48)}
	dec := &slowDecoder{release: make(chan struct{})}
	s := &camera.Stream{Source: "camera:burst", Frames: src, Decoder: dec}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, make(chan device.Event, 16)) }()

	// Let the decoder finish one frame at a time until the source has
	// delivered everything; then the next frame it gets must be the last.
	require.Eventually(t, func() bool {
		select {
		case dec.release <- struct{}{}:
		default:
		}
		return s.Stats().Read == n
	}, 30*time.Second, time.Millisecond)
	require.Eventually(t, func() bool {
		select {
		case dec.release <- struct{}{}:
		default:
		}
		got := dec.frames()
		return len(got) > 0 && got[len(got)-1] == n
	}, 30*time.Second, time.Millisecond, "the newest frame reaches the decoder")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	got := dec.frames()
	assert.True(t, slices.IsSorted(got), "frames are decoded oldest to newest: %v", got)
	assert.Less(t, len(got), n, "a slow decoder does not see every frame")
	st := s.Stats()
	assert.Equal(t, n, st.Read)
	assert.Positive(t, st.Dropped, "frames were dropped, not queued")
	assert.LessOrEqual(t, st.Read-st.Dropped-len(got), 1, "at most one frame waits in the mailbox")
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
}

func TestVideoThroughFFmpeg(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed: the video source needs it (apt-get install ffmpeg)")
	}
	dir := t.TempDir()
	// A short clip: two seconds of desk, then the label for a second.
	for i := range 15 {
		img := image.Image(blank(640, 480))
		if i >= 10 {
			img = frame(t, 640, 480)
		}
		writePNG(t, filepath.Join(dir, "f"+string(rune('a'+i))+".png"), img)
	}
	clip := filepath.Join(dir, "clip.mkv")
	cmd := exec.Command("ffmpeg", "-loglevel", "error", "-framerate", "5", "-pattern_type", "glob", "-i", filepath.Join(dir, "f*.png"),
		"-c:v", "ffv1", clip)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	video, err := camera.OpenVideo(clip, camera.VideoOptions{})
	require.NoError(t, err)
	defer video.Close()
	ls := newLockstep(video)
	s := &camera.Stream{Source: "video:clip.mkv", Frames: ls, Decoder: ls}
	got := scans(collect(t, s))
	slices.Sort(got)
	assert.Equal(t, phoneBoxTexts(), got)
	assert.Equal(t, 15, s.Stats().Read)
}

func TestOpenVideoMissingFile(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed")
	}
	video, err := camera.OpenVideo(filepath.Join(t.TempDir(), "nope.mp4"), camera.VideoOptions{})
	require.NoError(t, err, "ffmpeg starts; the failure comes with the first frame")
	defer video.Close()
	_, err = video.Next(context.Background())
	assert.ErrorContains(t, err, "ffmpeg")
}

func TestFilesMissing(t *testing.T) {
	t.Parallel()
	_, err := camera.NewFiles(filepath.Join(t.TempDir(), "nope.png")).Next(context.Background())
	assert.ErrorIs(t, err, os.ErrNotExist)
}

type failingDecoder struct{ err error }

func (d failingDecoder) Decode(context.Context, image.Image, barcode.Effort) ([]barcode.Barcode, error) {
	return nil, d.err
}

func TestStreamDecoderFailure(t *testing.T) {
	t.Parallel()
	t.Run("a fatal error stops the stream and its reader", func(t *testing.T) {
		t.Parallel()
		broken := errors.New("broken")
		// burstSource blocks once its frames are out, like a live camera:
		// Run must still return.
		s := &camera.Stream{Source: "camera:x", Frames: &burstSource{n: 3, img: blank(8, 8)}, Decoder: failingDecoder{broken}}
		out := make(chan device.Event, 8)
		err := s.Run(context.Background(), out)
		require.ErrorIs(t, err, broken)
		close(out)
		var last device.Event
		for ev := range out {
			last = ev
		}
		assert.ErrorIs(t, last.(device.Status).Err, broken)
	})
	t.Run("a reader failure costs one frame", func(t *testing.T) {
		t.Parallel()
		frames := camera.Images{blank(8, 8), blank(8, 8)}
		ls := newLockstep(&frames)
		s := &camera.Stream{Source: "camera:y", Frames: ls, Decoder: readerFailure{ls}}
		collect(t, s)
		assert.Equal(t, 2, s.Stats().Failed)
	})
}

// readerFailure fails every frame the way a panic inside gozxing does.
type readerFailure struct{ *lockstep }

func (r readerFailure) Decode(ctx context.Context, img image.Image, e barcode.Effort) ([]barcode.Barcode, error) {
	_, _ = r.lockstep.Decode(ctx, img, e)
	return nil, fmt.Errorf("%w: index out of range", barcode.ErrReader)
}
