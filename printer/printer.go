// Package printer sends raw printer language to the printers benches have:
// a Zebra on the network (raw TCP, port 9100), on USB (the usblp device
// file, e.g. /dev/usb/lp0) or behind CUPS (lp -o raw), and asks a network
// Zebra how it is (~HS host status).
package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Kind is how a printer is reached.
type Kind string

const (
	Network Kind = "tcp"  // raw TCP, a Zebra's port 9100
	USB     Kind = "usb"  // the printer's device file
	CUPS    Kind = "cups" // a CUPS queue, through lp
)

// DefaultPort is the raw printing port of Zebra (and most network label)
// printers.
const DefaultPort = "9100"

// Target is one printer.
type Target struct {
	Kind Kind
	// Addr is host:port for Network, the device file's path for USB, the
	// queue's name for CUPS (empty: CUPS's default queue).
	Addr string
}

// ParseTarget reads a printer as settings and the command line name it:
// tcp://HOST[:PORT], usb:PATH (or a path alone), cups:QUEUE (or cups: for
// the default queue). A bare HOST[:PORT] is a network printer.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Target{}, errors.New("no printer named: give tcp://HOST[:9100], usb:/dev/usb/lp0 or cups:QUEUE")
	case strings.HasPrefix(s, "cups:"):
		return Target{Kind: CUPS, Addr: strings.TrimPrefix(s, "cups:")}, nil
	case strings.HasPrefix(s, "usb:"):
		s = strings.TrimPrefix(s, "usb:")
		if !strings.HasPrefix(s, "/") {
			return Target{}, fmt.Errorf("usb printer %q: give the device file's full path, e.g. usb:/dev/usb/lp0", s)
		}
		return Target{Kind: USB, Addr: s}, nil
	case strings.HasPrefix(s, "/"):
		return Target{Kind: USB, Addr: s}, nil
	}
	host := strings.TrimPrefix(s, "tcp://")
	if strings.Contains(host, "/") || host == "" {
		return Target{}, fmt.Errorf("printer %q: give tcp://HOST[:9100], usb:/dev/usb/lp0 or cups:QUEUE", s)
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), DefaultPort)
	}
	return Target{Kind: Network, Addr: host}, nil
}

// String is the target as ParseTarget reads it.
func (t Target) String() string {
	switch t.Kind {
	case Network:
		return "tcp://" + t.Addr
	case USB:
		return "usb:" + t.Addr
	case CUPS:
		return "cups:" + t.Addr
	}
	return ""
}

// Print sends data, ZPL, to the printer as it is. It returns when the
// printer (or CUPS) has taken all of it, or with ctx's error.
func (t Target) Print(ctx context.Context, data []byte) error {
	var err error
	switch t.Kind {
	case Network:
		err = printTCP(ctx, t.Addr, data)
	case USB:
		err = printFile(ctx, t.Addr, data)
	case CUPS:
		err = runLP(ctx, t.Addr, data, true)
	default:
		err = errors.New("no printer set")
	}
	if err != nil {
		return fmt.Errorf("print on %s: %w", t, err)
	}
	return nil
}

// PrintDocument sends a document CUPS converts for the printer, a PDF
// receipt: only a CUPS queue takes one.
func (t Target) PrintDocument(ctx context.Context, data []byte) error {
	if t.Kind != CUPS {
		return fmt.Errorf("print a document on %s: only a CUPS printer (cups:QUEUE) prints documents", t)
	}
	if err := runLP(ctx, t.Addr, data, false); err != nil {
		return fmt.Errorf("print on %s: %w", t, err)
	}
	return nil
}

// ioTimeout bounds a printer conversation when ctx has no deadline of its
// own: a printer that takes a connection but reads nothing (paused, its
// buffer full) must not hold a print job forever.
const ioTimeout = 10 * time.Second

func deadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(ioTimeout)
}

func printTCP(ctx context.Context, addr string, data []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := conn.SetDeadline(deadline(ctx)); err != nil {
		return err
	}
	if _, err := conn.Write(data); err != nil {
		return errors.Join(err, ctx.Err())
	}
	// Closing our side tells the printer the job is whole; it answers
	// nothing to a format, so a clean close is all there is to wait for.
	if tc, ok := conn.(*net.TCPConn); ok {
		return tc.CloseWrite()
	}
	return nil
}

// printFile writes to the printer's device file. A USB printer that is
// switched off or out of paper may block a write in the kernel; the write
// then runs on until the printer takes it, but the caller gets ctx's error
// and the job stays queued.
func printFile(ctx context.Context, path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.Write(data)
		done <- errors.Join(err, f.Close())
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runLP hands data to CUPS on lp's standard input. raw sends it to the
// printer untouched (-o raw), as ZPL must be; otherwise CUPS converts it
// (a PDF) for the printer.
func runLP(ctx context.Context, queue string, data []byte, raw bool) error {
	var args []string
	if queue != "" {
		args = append(args, "-d", queue)
	}
	if raw {
		args = append(args, "-o", "raw")
	}
	cmd := exec.CommandContext(ctx, "lp", args...)
	cmd.Stdin = bytes.NewReader(data)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("lp: %w: %s", err, msg)
		}
		return fmt.Errorf("lp: %w", err)
	}
	return nil
}
