package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"time"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/barcode"
)

// Decoder finds the barcodes in a frame; barcode.Decoder is one.
type Decoder interface {
	Decode(ctx context.Context, img image.Image, effort barcode.Effort) ([]barcode.Barcode, error)
}

// Stream decodes a FrameSource and reports what it reads. It is a
// device.Source.
type Stream struct {
	// Source names the stream in its events, e.g. "camera:/dev/video0".
	Source string
	Frames FrameSource
	// Decoder is nil for barcode.Decoder.
	Decoder Decoder
	// Confirm is how many consecutive decoded frames must hold a code
	// before it is reported; 0 means 2. Use 1 for still images.
	Confirm int
	// Forget is how long a reported code must be out of sight before it is
	// reported again; 0 means 1.5s.
	Forget time.Duration
	// ThoroughEvery gives every Nth frame in which the quick pass found
	// nothing the thorough pass as well; 0 means 10, < 0 never.
	ThoroughEvery int

	mu    sync.Mutex
	stats Stats
}

// Stats counts what happened to the frames.
type Stats struct {
	Read    int // frames the source delivered
	Decoded int // frames the decoder looked at
	Dropped int // frames replaced by a newer one before the decoder got to them
	Failed  int // frames the decoder failed on (barcode.ErrReader)
}

// Stats returns the counts so far; safe to call while Run runs.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Stream) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Run reads and decodes until the source ends or fails, or ctx ends. It
// reports Connected when it starts and Disconnected (with the source's
// error, if any) when it stops. It returns nil when a finite source ends,
// ctx.Err() when ctx ends first, and the source's or decoder's error.
func (s *Stream) Run(ctx context.Context, out chan<- device.Event) error {
	if s.Frames == nil {
		return fmt.Errorf("camera: %s: no frame source", s.Source)
	}
	dec := s.Decoder
	if dec == nil {
		dec = barcode.Decoder{}
	}
	confirm := confirmer{need: s.Confirm, forget: s.Forget}
	every := s.ThoroughEvery
	if every == 0 {
		every = 10
	}

	ctx, cancel := context.WithCancel(ctx)
	var slot latest
	var wg sync.WaitGroup
	// Whatever ends the decoding also stops the reader, which may be
	// blocked waiting for a frame that will never come.
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Go(func() {
		for {
			img, err := s.Frames.Next(ctx)
			if err != nil {
				slot.close(err)
				return
			}
			s.count(func(st *Stats) { st.Read++ })
			if slot.put(img) {
				s.count(func(st *Stats) { st.Dropped++ })
			}
		}
	})

	device.Send(ctx, out, device.Status{Source: s.Source, State: device.Connected, At: time.Now()})
	empty := 0 // frames in a row where the quick pass found nothing
	var err error
	for {
		img, srcErr := slot.take(ctx)
		if img == nil {
			err = srcErr
			break
		}
		effort := barcode.Quick
		if every > 0 && empty > 0 && empty%every == 0 {
			effort = barcode.Thorough
		}
		codes, derr := dec.Decode(ctx, img, effort)
		if errors.Is(derr, barcode.ErrReader) {
			s.count(func(st *Stats) { st.Failed++ })
			continue // that frame is lost; the next one may read
		}
		if derr != nil {
			err = derr
			break
		}
		s.count(func(st *Stats) { st.Decoded++ })
		if len(codes) == 0 {
			empty++
		} else {
			empty = 0
		}
		now := time.Now()
		for _, b := range confirm.frame(codes, now) {
			if !device.Send(ctx, out, device.Scan{Source: s.Source, Raw: b.Text, Symbology: b.Format, At: now}) {
				break
			}
		}
	}
	if errors.Is(err, io.EOF) || ctx.Err() != nil {
		err = nil
	}
	if ctx.Err() == nil {
		device.Send(ctx, out, device.Status{Source: s.Source, State: device.Disconnected, Err: err, At: time.Now()})
	}
	if err != nil {
		return fmt.Errorf("camera: %s: %w", s.Source, err)
	}
	return ctx.Err()
}

// latest is a one-frame mailbox: a new frame replaces one not yet taken,
// so the decoder always gets the newest and never works through a backlog.
type latest struct {
	mu    sync.Mutex
	img   image.Image
	err   error // why the source stopped; set once
	ready chan struct{}
	once  sync.Once
}

func (l *latest) init() { l.once.Do(func() { l.ready = make(chan struct{}, 1) }) }

// put stores img and reports whether it replaced an untaken frame.
func (l *latest) put(img image.Image) (dropped bool) {
	l.init()
	l.mu.Lock()
	dropped = l.img != nil
	l.img = img
	l.mu.Unlock()
	l.signal()
	return dropped
}

func (l *latest) close(err error) {
	l.init()
	l.mu.Lock()
	l.err = err
	l.mu.Unlock()
	l.signal()
}

func (l *latest) signal() {
	select {
	case l.ready <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// take waits for a frame. After the source stops it still hands out the
// last frame, then returns nil and the source's error.
func (l *latest) take(ctx context.Context) (image.Image, error) {
	l.init()
	for {
		l.mu.Lock()
		img, err := l.img, l.err
		l.img = nil
		l.mu.Unlock()
		if img != nil {
			return img, nil
		}
		if err != nil {
			return nil, err
		}
		select {
		case <-l.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// confirmer decides which of a frame's codes to report: a code is reported
// when it has been read in need consecutive frames, once, and again only
// after it has been out of sight for forget.
type confirmer struct {
	need   int
	forget time.Duration
	seen   map[codeKey]*track
}

type codeKey struct{ text, format string }

type track struct {
	streak   int
	last     time.Time
	inFrame  bool
	reported bool
}

func (c *confirmer) frame(codes []barcode.Barcode, at time.Time) []barcode.Barcode {
	need, forget := c.need, c.forget
	if need <= 0 {
		need = 2
	}
	if forget <= 0 {
		forget = 1500 * time.Millisecond
	}
	if c.seen == nil {
		c.seen = make(map[codeKey]*track)
	}
	for _, t := range c.seen {
		t.inFrame = false
	}
	var confirmed []barcode.Barcode
	for _, b := range codes {
		k := codeKey{b.Text, b.Format}
		t := c.seen[k]
		if t == nil {
			t = &track{}
			c.seen[k] = t
		}
		if t.inFrame {
			continue // the same code twice in one frame
		}
		t.inFrame = true
		t.streak++
		t.last = at
		if t.streak >= need && !t.reported {
			t.reported = true
			confirmed = append(confirmed, b)
		}
	}
	for k, t := range c.seen {
		if t.inFrame {
			continue
		}
		t.streak = 0
		if at.Sub(t.last) >= forget {
			delete(c.seen, k)
		}
	}
	return confirmed
}
