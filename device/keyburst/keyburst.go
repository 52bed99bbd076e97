// Package keyburst tells a keyboard-wedge barcode scanner from a person at
// the same keyboard. A wedge scanner types its code as keystrokes, a few
// milliseconds apart, ending with Enter or Tab; a person types a key every
// hundred milliseconds or more. The Detector holds keys back only as long
// as they could still be the start of a burst, so a person's keystrokes
// reach their widget late by at most MaxGap and are never lost.
//
// The package knows nothing of any GUI toolkit; see device/wedge for Fyne.
package keyburst

import (
	"time"
)

// Enter and Tab are the runes the Detector takes for the Enter and Tab keys.
const (
	Enter = '\n'
	Tab   = '\t'
)

// Config tunes the detector. The zero value gives the defaults.
type Config struct {
	// MinLength is the fewest characters a burst must have to be a scan;
	// 0 means 6. Shorter fast runs (a person's rolled "th") are typing.
	MinLength int
	// MaxGap is the longest pause between two keys of one burst; 0 means
	// 40ms. Wedge scanners type a key every 2 to 15ms; even fast typists
	// rarely keep 40ms across six keys.
	MaxGap time.Duration
	// Unterminated accepts a burst that ends by going quiet, for scanners
	// programmed without an Enter or Tab suffix.
	Unterminated bool
}

func (c Config) withDefaults() Config {
	if c.MinLength <= 0 {
		c.MinLength = 6
	}
	if c.MaxGap <= 0 {
		c.MaxGap = 40 * time.Millisecond
	}
	return c
}

// Output is what a keystroke (or the passage of time) settled.
type Output struct {
	// Pass are keystrokes a person typed, in order, for the widget they
	// were meant for; Enter and Tab appear as Enter and Tab.
	Pass []rune
	// Scan is the code a scanner typed, if a burst completed; its
	// terminator is consumed.
	Scan string
}

// Detector splits keystrokes into scans and typing. It is not safe for
// concurrent use: feed it from the goroutine that receives the keys.
type Detector struct {
	cfg  Config
	held []rune    // keys that may still be the start of a burst
	last time.Time // when the last held key arrived
}

// New returns a detector with cfg's settings.
func New(cfg Config) *Detector {
	return &Detector{cfg: cfg.withDefaults()}
}

// Feed takes one keystroke typed at time at: a character, Enter or Tab.
// Times must not go backwards.
func (d *Detector) Feed(r rune, at time.Time) Output {
	var out Output
	if len(d.held) > 0 && at.Sub(d.last) > d.cfg.MaxGap {
		out = d.settle()
	}
	if r == Enter || r == Tab {
		if len(d.held) >= d.cfg.MinLength {
			out.Scan = string(d.held)
		} else {
			out.Pass = append(out.Pass, d.held...)
			out.Pass = append(out.Pass, r)
		}
		d.held = d.held[:0]
		return out
	}
	d.held = append(d.held, r)
	d.last = at
	return out
}

// Deadline is when the held keys must be settled if no key comes first:
// the caller arms a timer for it and calls Tick. ok is false when nothing
// is held.
func (d *Detector) Deadline() (deadline time.Time, ok bool) {
	if len(d.held) == 0 {
		return time.Time{}, false
	}
	return d.last.Add(d.cfg.MaxGap), true
}

// Tick settles the held keys if their deadline has passed by now.
func (d *Detector) Tick(now time.Time) Output {
	if len(d.held) == 0 || now.Sub(d.last) <= d.cfg.MaxGap {
		return Output{}
	}
	return d.settle()
}

// Flush hands on every held key as typing, whatever the time. Call it
// before a key the detector does not take (Backspace, an arrow) so that
// keys reach the widget in the order they were typed.
func (d *Detector) Flush() Output {
	out := Output{Pass: d.held}
	d.held = nil
	return out
}

// settle ends the held run once it has gone quiet: typing, or a scan
// from a scanner that sends no terminator.
func (d *Detector) settle() Output {
	if d.cfg.Unterminated && len(d.held) >= d.cfg.MinLength {
		out := Output{Scan: string(d.held)}
		d.held = d.held[:0]
		return out
	}
	return d.Flush()
}
