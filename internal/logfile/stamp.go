package logfile

import (
	"io"
	"sync"
	"time"
)

// Stamped writes to w with the time at the start of every line, so a log
// file read weeks later says when each line was written. now is the clock.
func Stamped(w io.Writer, now func() time.Time) io.Writer {
	return &stamped{w: w, now: now, lineStart: true}
}

type stamped struct {
	w   io.Writer
	now func() time.Time

	mu        sync.Mutex
	lineStart bool
}

func (s *stamped) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []byte
	for _, c := range p {
		if s.lineStart {
			out = s.now().UTC().AppendFormat(out, "2006-01-02T15:04:05.000Z ")
			s.lineStart = false
		}
		out = append(out, c)
		if c == '\n' {
			s.lineStart = true
		}
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
