package serialscan

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Terminator is the suffix a scanner sends after each code. The zero value
// is CR, the factory default of most serial scanners.
type Terminator int

const (
	CR Terminator = iota
	LF
	CRLF
	Tab
)

func (t Terminator) String() string {
	switch t {
	case CR:
		return "CR"
	case LF:
		return "LF"
	case CRLF:
		return "CRLF"
	case Tab:
		return "TAB"
	}
	return fmt.Sprintf("Terminator(%d)", int(t))
}

// ParseTerminator reads a terminator name as written in a config file.
func ParseTerminator(s string) (Terminator, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CR", `\R`:
		return CR, nil
	case "LF", `\N`:
		return LF, nil
	case "CRLF", `\R\N`:
		return CRLF, nil
	case "TAB", `\T`:
		return Tab, nil
	}
	return 0, fmt.Errorf("serialscan: unknown terminator %q (want CR, LF, CRLF or TAB)", s)
}

// DefaultMaxLine bounds the line buffer. The longest codes a bench sees
// (a 2D code with IMEI1, IMEI2, serial and EID) stay well under it, so a
// longer run of bytes without a terminator is noise or a misconfiguration.
const DefaultMaxLine = 512

// Frame is one line cut from the byte stream: a complete line when Reason
// is empty, otherwise bytes that were refused and why. A complete line may
// still hold bytes no code contains; see validate.
type Frame struct {
	Line   []byte
	Reason string
}

// Framer cuts a scanner's byte stream into lines. It never blocks and never
// grows past its bound: whatever arrives, each refused run of bytes comes out
// as one Frame with a Reason and the framer resynchronises at the next
// terminator. Splitting the same bytes into different chunks gives the same
// frames, so it does not matter how reads happen to return.
type Framer struct {
	term    Terminator
	max     int
	buf     []byte
	discard bool // after an over-long line, until the next terminator
	cr      bool // CRLF mode: a CR was seen, an LF must follow
	skipLF  bool // CRLF mode: an over-long line ended in CR, swallow its LF
}

// NewFramer returns a framer for the given terminator; maxLine <= 0 means
// DefaultMaxLine.
func NewFramer(term Terminator, maxLine int) *Framer {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	return &Framer{term: term, max: maxLine, buf: make([]byte, 0, maxLine)}
}

// Pending reports whether a partial line is waiting for its terminator.
func (f *Framer) Pending() bool { return len(f.buf) > 0 || f.discard || f.cr }

// Feed appends the frames completed by p to frames and returns the result.
func (f *Framer) Feed(p []byte, frames []Frame) []Frame {
	for _, c := range p {
		if f.skipLF {
			f.skipLF = false
			if c == '\n' {
				continue
			}
		}
		if f.cr {
			f.cr = false
			if c == '\n' {
				frames = f.complete(frames)
				continue
			}
			frames = f.reject(frames, "CR not followed by LF: the scanner sends CR only, set the terminator to CR")
		}
		if c == '\r' || c == '\n' || (c == '\t' && f.term == Tab) {
			frames = f.terminator(c, frames)
			continue
		}
		if f.discard {
			continue
		}
		if len(f.buf) >= f.max {
			frames = f.reject(frames, fmt.Sprintf("no %s within %d bytes: dropped until the next terminator", f.term, f.max))
			f.discard = true
			continue
		}
		f.buf = append(f.buf, c)
	}
	return frames
}

// Expire ends a partial line that has been waiting too long: scanners send
// a code in one burst, so a line that stalls is noise or a cut-off read, and
// keeping it would glue garbage onto the front of the next scan.
func (f *Framer) Expire(frames []Frame) []Frame {
	switch {
	case f.cr:
		f.cr = false
		frames = f.reject(frames, "CR not followed by LF: the scanner sends CR only, set the terminator to CR")
	case len(f.buf) > 0:
		frames = f.reject(frames, fmt.Sprintf("incomplete line: no %s after it", f.term))
	}
	f.discard, f.skipLF = false, false
	return frames
}

func (f *Framer) terminator(c byte, frames []Frame) []Frame {
	if f.discard {
		f.discard = false
		f.skipLF = f.term == CRLF && c == '\r'
		return frames
	}
	switch {
	case f.term == CRLF && c == '\r':
		f.cr = true
		return frames
	case f.term == CR && c == '\r', f.term == LF && c == '\n', f.term == Tab && c == '\t':
		return f.complete(frames)
	}
	what := map[byte]string{'\r': "CR", '\n': "LF", '\t': "TAB"}[c]
	if len(f.buf) == 0 {
		return f.reject(frames, fmt.Sprintf("stray %s between lines: the scanner's terminator is not %s", what, f.term))
	}
	return f.reject(frames, fmt.Sprintf("line ended with %s, expected %s: check the scanner's suffix setting", what, f.term))
}

// complete ends the current line with the configured terminator. A blank
// line is dropped silently: some scanners send an extra terminator.
func (f *Framer) complete(frames []Frame) []Frame {
	if len(f.buf) == 0 {
		return frames
	}
	line := clone(f.buf)
	f.buf = f.buf[:0]
	return append(frames, Frame{Line: line})
}

func (f *Framer) reject(frames []Frame, reason string) []Frame {
	line := clone(f.buf)
	f.buf = f.buf[:0]
	return append(frames, Frame{Line: line, Reason: reason})
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// validate explains why a line's payload cannot be a code, or returns "".
// It runs after the scanner's own framing (an STX prefix, say) is removed.
// The ASCII separators GS, RS, FS, US and EOT are allowed because GS1 and
// ISO/IEC 15434 payloads (FNC1 in GS1-128 and DataMatrix) carry them.
func validate(line []byte) string {
	for i, c := range line {
		switch {
		case c == 0:
			return fmt.Sprintf("NUL byte at offset %d: line noise or a wrong baud rate", i)
		case c == '\t':
			return fmt.Sprintf("TAB at offset %d: the scanner may use TAB as its terminator", i)
		case c == 0x04 || (c >= 0x1c && c <= 0x1f):
		case c < 0x20 || c == 0x7f:
			return fmt.Sprintf("control byte 0x%02X at offset %d: line noise or a wrong baud rate", c, i)
		}
	}
	if !utf8.Valid(line) {
		return "not valid UTF-8: line noise or a wrong baud rate or framing"
	}
	return ""
}
