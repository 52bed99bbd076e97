package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"
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
//
// Every frame gets the decoder's quick pass, on the newest frame only.
// When the quick pass keeps finding nothing new, the thorough pass looks
// at a frame on a goroutine of its own, off the frame loop, so the live
// pass never waits for it; what it reads is confirmed like the rest.
type Stream struct {
	// Source names the stream in its events, e.g. "camera:/dev/video0".
	Source string
	Frames FrameSource
	// Decoder is nil for barcode's own: a barcode.Reader for the frame
	// loop and another for the thorough pass, each keeping its buffers
	// from one frame to the next.
	Decoder Decoder
	// Confirm is how many frames must hold a code before it is reported,
	// each within ConfirmGap of the one before; 0 means 2. Use 1 for still
	// images.
	Confirm int
	// ConfirmGap is the longest a code may go unread between the frames
	// that confirm it; 0 means 500ms.
	ConfirmGap time.Duration
	// Forget is how long a reported code must be out of sight before it is
	// reported again; 0 means 1.5s.
	Forget time.Duration
	// EscalateAfter is how many frames in a row the quick pass must find
	// nothing new in before the thorough pass looks; 0 means 3, < 0 never.
	// Each thorough look that finds nothing new doubles the wait (up to 64
	// frames), so a camera left on an empty desk keeps no core busy.
	EscalateAfter int
	// Check vets a confirmed code before it reaches the bench; nil accepts
	// everything. A code it refuses is reported as a device.Rejected with
	// its error, once confirmed, never as a Scan. The app checks IMEIs
	// here (15 digits and their Luhn check digit, with intake's parser):
	// device packages know nothing of identifiers.
	Check func(barcode.Barcode) error

	mu    sync.Mutex
	stats Stats
}

// Stats counts what happened to the frames.
type Stats struct {
	Read     int // frames the source delivered
	Decoded  int // frames the quick pass looked at
	Dropped  int // frames replaced by a newer one before the decoder got to them
	Failed   int // frames a decoder failed on (barcode.ErrReader)
	Thorough int // frames the thorough pass looked at, off the frame loop
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

// maxEscalateWait bounds the backoff between thorough looks: about two
// seconds of frames.
const maxEscalateWait = 64

// thoroughRead is what the thorough pass made of frame seq.
type thoroughRead struct {
	seq   int
	at    time.Time
	codes []barcode.Barcode
	err   error
}

// Run reads and decodes until the source ends or fails, or ctx ends. It
// reports Connected when it starts and Disconnected (with the source's
// error, if any) when it stops. It returns nil when a finite source ends,
// ctx.Err() when ctx ends first, and the source's or decoder's error.
func (s *Stream) Run(ctx context.Context, out chan<- device.Event) error {
	if s.Frames == nil {
		return fmt.Errorf("camera: %s: no frame source", s.Source)
	}
	live, slow := s.Decoder, s.Decoder
	if s.Decoder == nil {
		// A Reader is for one goroutine at a time: the thorough pass,
		// one look at a time, gets its own.
		live, slow = new(barcode.Reader), new(barcode.Reader)
	}
	confirm := confirmer{need: s.Confirm, gap: s.ConfirmGap, forget: s.Forget}
	escalate := s.EscalateAfter
	if escalate == 0 {
		escalate = 3
	}

	ctx, cancel := context.WithCancel(ctx)
	var slot latest
	var wg sync.WaitGroup
	// Whatever ends the decoding also stops the reader, which may be
	// blocked waiting for a frame that will never come, and the thorough
	// pass, which watches ctx.
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
	var (
		seq     int
		stale   int // frames in a row where the quick pass found nothing new
		wait    = escalate
		busy    bool // a thorough pass is running
		results = make(chan thoroughRead, 1)
		err     error
	)
	// report confirms a frame's reads and sends what is confirmed; it
	// reports whether the frame held anything not yet reported.
	report := func(seq int, at time.Time, codes []barcode.Barcode) (fresh, ok bool) {
		fresh = confirm.fresh(codes)
		for _, b := range confirm.frame(seq, at, codes) {
			var ev device.Event = device.Scan{Source: s.Source, Raw: b.Text, Symbology: b.Format, At: at}
			if s.Check != nil {
				if cerr := s.Check(b); cerr != nil {
					ev = device.Rejected{Source: s.Source, Reason: cerr.Error(), Raw: []byte(b.Text), At: at}
				}
			}
			if !device.Send(ctx, out, ev) {
				return fresh, false
			}
		}
		return fresh, true
	}
	for {
		img, srcErr, r, gotThorough := slot.takeOr(ctx, results)
		if gotThorough {
			busy = false
			if errors.Is(r.err, barcode.ErrReader) {
				s.count(func(st *Stats) { st.Failed++ })
				continue
			}
			if r.err != nil {
				if ctx.Err() != nil {
					break
				}
				err = r.err
				break
			}
			fresh, ok := report(r.seq, r.at, r.codes)
			if !ok {
				break
			}
			if fresh {
				wait = escalate
			} else {
				wait = min(2*wait, maxEscalateWait)
			}
			continue
		}
		if img == nil {
			err = srcErr
			break
		}
		seq++
		now := time.Now()
		codes, derr := live.Decode(ctx, img, barcode.Quick)
		if errors.Is(derr, barcode.ErrReader) {
			s.count(func(st *Stats) { st.Failed++ })
			continue // that frame is lost; the next one may read
		}
		if derr != nil {
			err = derr
			break
		}
		s.count(func(st *Stats) { st.Decoded++ })
		fresh, ok := report(seq, now, codes)
		if !ok {
			break
		}
		if fresh {
			stale, wait = 0, escalate
		} else {
			stale++
		}
		if escalate > 0 && !busy && stale >= wait {
			busy, stale = true, 0
			s.count(func(st *Stats) { st.Thorough++ })
			seq := seq // the loop moves on while the thorough pass looks
			wg.Go(func() {
				codes, err := slow.Decode(ctx, img, barcode.Thorough)
				results <- thoroughRead{seq: seq, at: now, codes: codes, err: err}
			})
		}
	}
	if errors.Is(err, io.EOF) && busy {
		// A file or clip ended while the thorough pass was on its last
		// look: that look is the source's last word.
		if r := <-results; r.err == nil {
			report(r.seq, r.at, r.codes)
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

// takeOr waits for a frame or a thorough pass's result, whichever comes
// first. After the source stops it still hands out the last frame, then
// returns nil and the source's error.
func (l *latest) takeOr(ctx context.Context, results <-chan thoroughRead) (image.Image, error, thoroughRead, bool) {
	l.init()
	for {
		l.mu.Lock()
		img, err := l.img, l.err
		l.img = nil
		l.mu.Unlock()
		if img != nil {
			return img, nil, thoroughRead{}, false
		}
		if err != nil {
			return nil, err, thoroughRead{}, false
		}
		select {
		case <-l.ready:
		case r := <-results:
			return nil, nil, r, true
		case <-ctx.Done():
			return nil, ctx.Err(), thoroughRead{}, false
		}
	}
}

// confirmer decides which of a frame's codes to report: a code is
// reported once it has been read in need different frames, each within
// gap of the one before, and again only after it has been out of sight
// for forget. Frames may come out of order (a thorough pass reports on a
// frame the quick pass has long left), and a frame read by both passes
// counts once.
type confirmer struct {
	need   int
	gap    time.Duration
	forget time.Duration
	seen   map[codeKey]*track
}

type codeKey struct{ text, format string }

type track struct {
	frames   []int // the frames of the current run of reads
	last     time.Time
	reported bool
}

func (c *confirmer) init() {
	if c.need <= 0 {
		c.need = 2
	}
	if c.gap <= 0 {
		c.gap = 500 * time.Millisecond
	}
	if c.forget <= 0 {
		c.forget = 1500 * time.Millisecond
	}
	if c.seen == nil {
		c.seen = make(map[codeKey]*track)
	}
}

// fresh reports whether codes hold one not yet reported.
func (c *confirmer) fresh(codes []barcode.Barcode) bool {
	for _, b := range codes {
		if t := c.seen[codeKey{b.Text, b.Format}]; t == nil || !t.reported {
			return true
		}
	}
	return false
}

// frame takes the codes read in frame seq, taken at at, and returns those
// now confirmed.
func (c *confirmer) frame(seq int, at time.Time, codes []barcode.Barcode) []barcode.Barcode {
	c.init()
	var confirmed []barcode.Barcode
	for _, b := range codes {
		k := codeKey{b.Text, b.Format}
		t := c.seen[k]
		if t == nil {
			t = &track{last: at}
			c.seen[k] = t
		}
		if at.Sub(t.last) > c.gap {
			t.frames = t.frames[:0] // the run broke: start again
		}
		if at.After(t.last) {
			t.last = at
		}
		if slices.Contains(t.frames, seq) {
			continue // the same code twice in one frame, or by both passes
		}
		if len(t.frames) == c.need {
			t.frames = t.frames[1:]
		}
		t.frames = append(t.frames, seq)
		if len(t.frames) >= c.need && !t.reported {
			t.reported = true
			confirmed = append(confirmed, b)
		}
	}
	for k, t := range c.seen {
		if at.Sub(t.last) >= c.forget {
			delete(c.seen, k)
		}
	}
	return confirmed
}
