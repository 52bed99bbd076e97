package device

import (
	"context"
	"fmt"
	"time"
)

// Event is one of Scan, Rejected or Status. The set is closed so a type
// switch over the three is exhaustive.
type Event interface {
	// Origin names the source the event came from, as in Scan.Source.
	Origin() string
	isEvent()
}

// Scan is one code read by a scanner, a webcam or from an image file.
type Scan struct {
	Source    string    // e.g. "serial:/dev/ttyUSB0", "wedge", "camera:/dev/video0", "file:label.png"
	Raw       string    // the text as read, terminator stripped
	Symbology string    // AIM id like "]C0" if the scanner sent one, or the decoded format name ("CODE_128", "QR_CODE", ...)
	At        time.Time // when the read completed
}

// Rejected is a read that was refused, with a reason a technician can act on.
type Rejected struct {
	Source string
	Reason string
	Raw    []byte // the offending bytes, possibly truncated
	At     time.Time
}

// State is whether a source can currently deliver scans.
type State int

const (
	Disconnected State = iota
	Connected
)

func (s State) String() string {
	switch s {
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status reports a source coming or going, such as a scanner being
// unplugged. Err says why a source went away, when known.
type Status struct {
	Source string
	State  State
	Detail string // e.g. the port a VID/PID scanner was found on
	Err    error
	At     time.Time
}

func (s Scan) Origin() string     { return s.Source }
func (r Rejected) Origin() string { return r.Source }
func (s Status) Origin() string   { return s.Source }

func (Scan) isEvent()     {}
func (Rejected) isEvent() {}
func (Status) isEvent()   {}

// Send delivers ev on out unless ctx ends first; it reports whether ev was
// delivered. Sources use it so a stalled consumer never blocks shutdown.
func Send(ctx context.Context, out chan<- Event, ev Event) bool {
	select {
	case out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}
