package printer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Status is what a printer says of itself.
type Status struct {
	// Online is false when the printer could not be reached or did not
	// answer; a Zebra answers no ~HS while its head is open or its media
	// or ribbon is out, so that too shows as offline.
	Online     bool
	PaperOut   bool
	Paused     bool
	HeadOpen   bool
	RibbonOut  bool
	BufferFull bool
	// Known is false for a printer that cannot be asked: Online means
	// only that nothing says otherwise.
	Known bool
	Err   string // why it is offline or paused, when it is
}

// Ready reports whether a label sent now would print.
func (s Status) Ready() bool {
	return s.Online && !s.PaperOut && !s.Paused && !s.HeadOpen && !s.RibbonOut && !s.BufferFull
}

// String says what is wrong in a few words, "ready" when nothing is.
func (s Status) String() string {
	if !s.Online {
		return "offline"
	}
	var problems []string
	for _, p := range []struct {
		on   bool
		what string
	}{{s.PaperOut, "out of paper"}, {s.RibbonOut, "out of ribbon"}, {s.HeadOpen, "head open"}, {s.Paused, "paused"}, {s.BufferFull, "buffer full"}} {
		if p.on {
			problems = append(problems, p.what)
		}
	}
	if len(problems) == 0 {
		return "ready"
	}
	return strings.Join(problems, ", ")
}

// statusTimeout bounds a ~HS conversation: a Zebra answers in
// milliseconds, and the status bar must not wait on one that does not.
const statusTimeout = 3 * time.Second

// Status asks the printer how it is: a network Zebra by ~HS, a USB printer
// by whether its device file can be opened, a CUPS queue by lpstat.
func (t Target) Status(ctx context.Context) Status {
	switch t.Kind {
	case Network:
		s, err := hostStatus(ctx, t.Addr)
		if err != nil {
			return Status{Known: true, Err: err.Error()}
		}
		return s
	case USB:
		f, err := os.OpenFile(t.Addr, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return Status{Known: true, Err: err.Error()}
		}
		f.Close()
		return Status{Online: true, Known: true}
	case CUPS:
		return cupsStatus(ctx, t.Addr)
	}
	return Status{Err: "no printer set"}
}

// cupsStatus asks CUPS of a queue (its default one for "") with lpstat.
// A queue CUPS does not know, or a scheduler that does not answer, is
// offline.
func cupsStatus(ctx context.Context, queue string) Status {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	lpstat := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, "lpstat", args...).CombinedOutput()
		text := strings.TrimSpace(string(out))
		if err != nil {
			if text == "" {
				text = err.Error()
			}
			return "", errors.New(firstLine(text))
		}
		return text, nil
	}
	if queue == "" {
		out, err := lpstat("-d")
		if err != nil {
			return Status{Known: true, Err: "CUPS: " + err.Error()}
		}
		name, ok := strings.CutPrefix(out, "system default destination: ")
		if !ok {
			return Status{Known: true, Err: "CUPS has no default printer: set one, or name the queue (cups:QUEUE)"}
		}
		queue = strings.TrimSpace(name)
	}
	out, err := lpstat("-p", queue)
	if err != nil {
		return Status{Known: true, Err: "CUPS: " + err.Error()}
	}
	return ParseCUPSStatus(out)
}

// ParseCUPSStatus reads lpstat -p's answer for one queue: "printer Q is
// idle." or "now printing", or "printer Q disabled since …", a queue
// stopped (by someone, or by CUPS when the printer failed), whose reason
// follows on indented lines. A reason that says the printer is away makes
// it offline rather than paused.
func ParseCUPSStatus(out string) Status {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	first := lines[0]
	var reasons []string
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			reasons = append(reasons, l)
		}
	}
	reason := strings.Join(reasons, "; ")
	s := Status{Online: true, Known: true, Err: reason}
	if !strings.HasPrefix(first, "printer ") {
		return Status{Known: true, Err: "CUPS: " + firstLine(out)}
	}
	if strings.Contains(first, " disabled") {
		s.Paused = true
	}
	lower := strings.ToLower(reason)
	for _, away := range []string{"not responding", "offline", "unable to connect", "not connected", "unplugged"} {
		if strings.Contains(lower, away) {
			s.Online, s.Paused = false, false
		}
	}
	if !s.Paused && s.Online {
		s.Err = ""
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

func hostStatus(ctx context.Context, addr string) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Status{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := conn.SetDeadline(deadline(ctx)); err != nil {
		return Status{}, err
	}
	if _, err := io.WriteString(conn, "~HS"); err != nil {
		return Status{}, err
	}
	// Three strings, each <STX>…<ETX><CR><LF>.
	r := bufio.NewReader(io.LimitReader(conn, 1024))
	var answer []byte
	for range 3 {
		line, err := r.ReadBytes('\x03')
		if err != nil {
			if ctx.Err() != nil {
				return Status{}, fmt.Errorf("no ~HS answer within %s", statusTimeout)
			}
			return Status{}, fmt.Errorf("~HS answer cut short: %w", err)
		}
		answer = append(answer, line...)
	}
	return ParseHostStatus(answer)
}

// ParseHostStatus reads a Zebra's answer to ~HS: string 1 is
// aaa,b,c,dddd,eee,f,… with b paper out, c paused and f buffer full;
// string 2 is mmm,n,o,p,… with o head up and p ribbon out (ZPL II
// Programming Guide, ~HS).
func ParseHostStatus(answer []byte) (Status, error) {
	var strs [][]string
	for _, part := range bytes.Split(answer, []byte{'\x03'}) {
		i := bytes.IndexByte(part, '\x02')
		if i < 0 {
			continue
		}
		strs = append(strs, strings.Split(string(part[i+1:]), ","))
	}
	if len(strs) < 2 || len(strs[0]) < 6 || len(strs[1]) < 4 {
		return Status{}, errors.New("not a ~HS answer")
	}
	flag := func(v string) bool { return strings.TrimSpace(v) == "1" }
	return Status{Online: true, Known: true,
		PaperOut: flag(strs[0][1]), Paused: flag(strs[0][2]), BufferFull: flag(strs[0][5]),
		HeadOpen: flag(strs[1][2]), RibbonOut: flag(strs[1][3])}, nil
}
