// Package serialscan reads barcode scanners attached as serial ports (USB
// CDC-ACM or USB-serial adapters): line framing, validation, double-read
// suppression and hot-plug, delivering device.Events.
package serialscan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.bug.st/serial"

	"github.com/intakebench/intakebench/device"
)

// Config describes one scanner. Set either Port or USB.
type Config struct {
	// Port is the device path, e.g. /dev/ttyACM0. It is reopened at the same
	// path after an unplug.
	Port string
	// USB finds the scanner by vendor/product id (and serial number) on
	// whatever port it appears, which survives a replug into another socket.
	USB *USBMatch
	// Lister lists ports for USB; nil means SystemPorts.
	Lister PortLister
	// Name is the Source of the scanner's events; empty means "serial:" and
	// the port path or USB match.
	Name string

	// Mode is the line setting; a zero BaudRate means 9600 and zero DataBits 8.
	Mode       serial.Mode
	Terminator Terminator
	// Prefix and Suffix are framing the scanner is programmed to add around
	// each code; a line without them is refused.
	Prefix, Suffix string
	// MaxLine bounds a line; <= 0 means DefaultMaxLine.
	MaxLine int
	// LineTimeout ends a partial line that receives no byte for this long;
	// 0 means 250ms, far longer than the gap between a scanner's bytes.
	LineTimeout time.Duration
	// DedupWindow is passed to device.Dedup: 0 means the default, < 0 off.
	DedupWindow time.Duration
	// RetryMin and RetryMax bound the backoff between attempts to reopen a
	// missing scanner; 0 means 100ms and 2s.
	RetryMin, RetryMax time.Duration
}

// Scanner reads one serial scanner. It is a device.Source.
type Scanner struct {
	cfg    Config
	source string
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Scanner, error) {
	if (cfg.Port == "") == (cfg.USB == nil) {
		return nil, errors.New("serialscan: set exactly one of Port and USB")
	}
	if cfg.USB != nil && (cfg.USB.VID == "" || cfg.USB.PID == "") {
		return nil, errors.New("serialscan: USB match needs VID and PID")
	}
	if cfg.Terminator < CR || cfg.Terminator > Tab {
		return nil, fmt.Errorf("serialscan: invalid terminator %v", cfg.Terminator)
	}
	if cfg.Lister == nil {
		cfg.Lister = SystemPorts{}
	}
	if cfg.Mode.BaudRate == 0 {
		cfg.Mode.BaudRate = 9600
	}
	if cfg.Mode.DataBits == 0 {
		cfg.Mode.DataBits = 8
	}
	if cfg.LineTimeout <= 0 {
		cfg.LineTimeout = 250 * time.Millisecond
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 100 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(2*time.Second, cfg.RetryMin)
	}
	s := &Scanner{cfg: cfg, source: cfg.Name}
	if s.source == "" {
		if cfg.USB != nil {
			s.source = "serial:" + cfg.USB.String()
		} else {
			s.source = "serial:" + cfg.Port
		}
	}
	return s, nil
}

// Source is the Source field of the scanner's events.
func (s *Scanner) Source() string { return s.source }

// Run reads the scanner until ctx ends, reopening it whenever it goes away.
// It reports Connected and Disconnected on each change, including a first
// Disconnected when the scanner is not there at start. It returns ctx.Err().
func (s *Scanner) Run(ctx context.Context, out chan<- device.Event) error {
	r := reader{Scanner: s, out: out, framer: NewFramer(s.cfg.Terminator, s.cfg.MaxLine)}
	r.dedup.Window = s.cfg.DedupWindow
	delay := s.cfg.RetryMin
	down := false // a Disconnected has been reported since the last Connected
	for ctx.Err() == nil {
		port, name, err := s.open()
		if err != nil {
			if !down {
				down = true
				device.Send(ctx, out, device.Status{Source: s.source, State: device.Disconnected, Err: err, At: time.Now()})
			}
			if !sleep(ctx, delay) {
				break
			}
			delay = min(2*delay, s.cfg.RetryMax)
			continue
		}
		down = false
		device.Send(ctx, out, device.Status{Source: s.source, State: device.Connected, Detail: name, At: time.Now()})
		opened := time.Now()
		err = r.read(ctx, port, name)
		if ctx.Err() != nil {
			break
		}
		down = true
		device.Send(ctx, out, device.Status{Source: s.source, State: device.Disconnected, Detail: name, Err: err, At: time.Now()})
		// A port that opens but fails at once would otherwise spin: only a
		// connection that held for a while earns an immediate reopen.
		if time.Since(opened) >= stableConnection {
			delay = s.cfg.RetryMin
			continue
		}
		if !sleep(ctx, delay) {
			break
		}
		delay = min(2*delay, s.cfg.RetryMax)
	}
	return ctx.Err()
}

// stableConnection is how long a connection must last for the reopen
// backoff to start again from RetryMin.
const stableConnection = time.Second

func (s *Scanner) open() (serial.Port, string, error) {
	name := s.cfg.Port
	if s.cfg.USB != nil {
		var err error
		if name, err = s.cfg.USB.find(s.cfg.Lister); err != nil {
			return nil, "", err
		}
	}
	mode := s.cfg.Mode
	port, err := serial.Open(name, &mode)
	if err != nil {
		return nil, name, fmt.Errorf("serialscan: opening %s: %w", name, err)
	}
	// The timeout is what lets a stalled partial line expire; Read still
	// returns as soon as bytes arrive, so it adds no latency.
	if err := port.SetReadTimeout(s.cfg.LineTimeout); err != nil {
		port.Close()
		return nil, name, fmt.Errorf("serialscan: configuring %s: %w", name, err)
	}
	return port, name, nil
}

// reader is the state that outlives one connection: a replug must not
// forget the last code read, or a double read across it would slip through.
type reader struct {
	*Scanner
	out    chan<- device.Event
	framer *Framer
	dedup  device.Dedup
	frames []Frame
}

// read delivers events from port until it fails or ctx ends.
func (r *reader) read(ctx context.Context, port serial.Port, name string) error {
	stop := context.AfterFunc(ctx, func() { port.Close() }) // unblocks Read
	defer func() {
		stop()
		port.Close()
	}()
	buf := make([]byte, 256)
	for {
		n, err := port.Read(buf)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := time.Now()
		switch {
		case n > 0:
			r.frames = r.framer.Feed(buf[:n], r.frames[:0])
		case r.framer.Pending():
			// A timeout, or the port died mid-line: the partial line is lost.
			r.frames = r.framer.Expire(r.frames[:0])
		default:
			r.frames = r.frames[:0]
		}
		for _, f := range r.frames {
			if ev := r.event(f, now); ev != nil && !device.Send(ctx, r.out, ev) {
				return ctx.Err()
			}
		}
		if err != nil {
			if n > 0 && r.framer.Pending() {
				for _, f := range r.framer.Expire(r.frames[:0]) {
					if ev := r.event(f, now); ev != nil {
						device.Send(ctx, r.out, ev)
					}
				}
			}
			return fmt.Errorf("serialscan: reading %s: %w", name, err)
		}
	}
}

// event turns a frame into a Scan or Rejected, or nil for a suppressed
// double read.
func (r *reader) event(f Frame, at time.Time) device.Event {
	if f.Reason != "" {
		return device.Rejected{Source: r.source, Reason: f.Reason, Raw: f.Line, At: at}
	}
	line := string(f.Line)
	if p := r.cfg.Prefix; p != "" {
		if !strings.HasPrefix(line, p) {
			return device.Rejected{Source: r.source, Reason: fmt.Sprintf("missing prefix %q", p), Raw: f.Line, At: at}
		}
		line = line[len(p):]
	}
	if sfx := r.cfg.Suffix; sfx != "" {
		if !strings.HasSuffix(line, sfx) {
			return device.Rejected{Source: r.source, Reason: fmt.Sprintf("missing suffix %q", sfx), Raw: f.Line, At: at}
		}
		line = line[:len(line)-len(sfx)]
	}
	if reason := validate([]byte(line)); reason != "" {
		return device.Rejected{Source: r.source, Reason: reason, Raw: f.Line, At: at}
	}
	sym, code := device.SplitAIM(line)
	if code == "" {
		return device.Rejected{Source: r.source, Reason: "empty code", Raw: f.Line, At: at}
	}
	scan := device.Scan{Source: r.source, Raw: code, Symbology: sym, At: at}
	if !r.dedup.Fresh(scan) {
		return nil
	}
	return scan
}

// sleep waits d or until ctx ends, and reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
