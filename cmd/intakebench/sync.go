package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/store"
)

// enrollment is what the token file holds. The token is a secret: the file
// is its owner's only, and the token is never printed or logged.
type enrollment struct {
	Hub    string   `json:"hub"`
	Bench  string   `json:"bench"`
	Token  string   `json:"token"`
	Scopes []string `json:"scopes"`
}

func defaultTokenFile(db string) string { return filepath.Join(filepath.Dir(db), "hub-token.json") }

func runEnroll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("enroll", flag.ContinueOnError)
	fs.SetOutput(stderr)
	hubURL := fs.String("hub", "", "hub URL, e.g. https://hub.example:8750")
	code := fs.String("code", "", "one-time enrollment code from 'intakehub enroll-bench'")
	db := fs.String("db", defaultDB(), "bench store (the token file sits beside it)")
	tokenFile := fs.String("token-file", "", "where to keep the bench token (default: hub-token.json beside --db)")
	name := fs.String("name", benchName(), "this bench's name, as the code was made for")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *hubURL == "" || *code == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: intakebench enroll --hub URL --code CODE [--db PATH] [--token-file PATH] [--name BENCH]")
		return errUsage
	}
	if *tokenFile == "" {
		*tokenFile = defaultTokenFile(*db)
	}
	e, err := enroll(ctx, *hubURL, *code, *name, *tokenFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enrolled bench %s with %s (scopes %s); token saved in %s\n",
		e.Bench, e.Hub, strings.Join(e.Scopes, ", "), *tokenFile)
	return nil
}

// enroll trades a one-time code for a bench token and keeps it in tokenFile.
func enroll(ctx context.Context, hubURL, code, bench, tokenFile string) (enrollment, error) {
	client, err := benchsync.NewClient(hubURL, "")
	if err != nil {
		return enrollment{}, err
	}
	resp, err := client.Enroll(ctx, strings.TrimSpace(code), bench)
	if err != nil {
		return enrollment{}, fmt.Errorf("enroll with %s: %w", hubURL, err)
	}
	e := enrollment{Hub: hubURL, Bench: resp.Bench, Token: resp.Token, Scopes: resp.Scopes}
	return e, writeTokenFile(tokenFile, e)
}

// writeTokenFile replaces path atomically with a file only its owner can read.
func writeTokenFile(path string, e enrollment) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the folder of %s: %w", path, err)
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".hub-token-*")
	if err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename there is nothing left to remove
	err = errors.Join(f.Chmod(0o600), write(f, b), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write token file %s: %w", path, err)
	}
	return nil
}

func write(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	return err
}

// readTokenFile reads the enrollment, refusing a file others could read:
// a token that may have leaked must be replaced, not used.
func readTokenFile(path string) (enrollment, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return enrollment{}, fmt.Errorf("no token file %s: enroll this bench first (intakebench enroll)", path)
	}
	if err != nil {
		return enrollment{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return enrollment{}, err
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return enrollment{}, fmt.Errorf("token file %s is open to other users (mode %04o): run chmod 600 on it, or enroll again if the token may have leaked", path, perm)
	}
	var e enrollment
	if err := json.NewDecoder(io.LimitReader(f, 64<<10)).Decode(&e); err != nil {
		return enrollment{}, fmt.Errorf("token file %s: %w", path, err)
	}
	if e.Token == "" || e.Bench == "" {
		return enrollment{}, fmt.Errorf("token file %s holds no token: enroll again", path)
	}
	return e, nil
}

func runSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	once := fs.Bool("once", false, "sync once and exit (default: keep syncing until interrupted)")
	hubURL := fs.String("hub", "", "hub URL (default: the one the bench enrolled with)")
	db := fs.String("db", defaultDB(), "bench store")
	tokenFile := fs.String("token-file", "", "bench token file (default: hub-token.json beside --db)")
	interval := fs.Duration("interval", 30*time.Second, "time between syncs without --once")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: intakebench sync [--once] [--hub URL] [--db PATH] [--token-file PATH]")
		return errUsage
	}
	if *tokenFile == "" {
		*tokenFile = defaultTokenFile(*db)
	}
	e, err := readTokenFile(*tokenFile)
	if err != nil {
		return err
	}
	if *hubURL == "" {
		*hubURL = e.Hub
	}
	if *hubURL == embeddedHub {
		return fmt.Errorf("bench %s syncs with the demo hub that runs inside the app (intakebench run): there is no hub to reach from here; enroll the bench with a hub first (intakebench enroll)", e.Bench)
	}
	client, err := benchsync.NewClient(*hubURL, e.Token)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, *db, storeLog(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	progress := newProgress(stdout)
	engine := benchsync.New(s, client, e.Bench, benchsync.WithStatus(progress.show), benchsync.WithInterval(*interval))
	if !*once {
		fmt.Fprintf(stdout, "syncing bench %s with %s every %s; interrupt to stop\n", e.Bench, *hubURL, *interval)
		if err := engine.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	start := time.Now()
	sum, err := engine.RunOnce(ctx)
	if err != nil {
		return fmt.Errorf("sync with %s: %w", *hubURL, err)
	}
	printSummary(ctx, stdout, s, sum, time.Since(start))
	return nil
}

// progress prints a line when the engine changes what it does. A pull
// draws a bar on a terminal, redrawn in place: changes applied of the
// total (when the hub tells it, on a pull from the start of its log) and
// the rate; elsewhere (a log file) it prints a line every tenth page.
type progress struct {
	w    io.Writer
	bar  bool // w is a terminal
	last benchsync.Status
	// The pull being drawn: when it began, when the bar was last drawn.
	pullStart time.Time
	drawn     time.Time
	now       func() time.Time
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, bar: ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())), now: time.Now}
}

func (p *progress) show(s benchsync.Status) {
	defer func() { p.last = s }()
	if p.bar && p.last.State == benchsync.StatePulling && s.State != benchsync.StatePulling && !p.drawn.IsZero() {
		// The pull ended: its bar stays, complete, on a line of its own.
		p.draw(s, true)
		fmt.Fprintln(p.w)
		p.drawn = time.Time{}
	}
	switch {
	case s.State == benchsync.StatePushing && (p.last.State != s.State || s.Pending != p.last.Pending):
		fmt.Fprintf(p.w, "pushing: %d events pending\n", s.Pending)
	case s.State == benchsync.StatePulling && p.bar:
		if p.last.State != s.State {
			p.pullStart = p.now()
		}
		// A redraw at most every tenth of a second: a pull reports a
		// batch at a time, and a terminal is slower than that.
		if s.Items != p.last.Items || s.Total != p.last.Total {
			p.draw(s, false)
		}
	case s.State == benchsync.StatePulling && s.Pages != p.last.Pages && s.Pages%10 == 1:
		fmt.Fprintf(p.w, "pulling: %d pages, %d changes applied\n", s.Pages, s.Items)
	case s.State == benchsync.StateWaiting && p.last.State != s.State:
		fmt.Fprintf(p.w, "offline: %v; retrying at %s\n", s.Err, s.RetryAt.Format(time.TimeOnly))
	case s.State == benchsync.StateStopped:
		fmt.Fprintf(p.w, "stopped: %v\n", s.Err)
	case s.State == benchsync.StateFailed && p.last.State != s.State:
		fmt.Fprintf(p.w, "failed, not offline: %v; trying again at the next interval\n", s.Err)
	}
}

// draw redraws the pull's bar in place, unless it was drawn less than a
// tenth of a second ago and final is false.
func (p *progress) draw(s benchsync.Status, final bool) {
	now := p.now()
	if !final && now.Sub(p.drawn) < 100*time.Millisecond {
		return
	}
	p.drawn = now
	fmt.Fprintf(p.w, "\r\x1b[K%s", pullLine(s.Items, s.Total, now.Sub(p.pullStart)))
}

// barWidth is the pull bar's width in characters.
const barWidth = 30

// pullLine is the line a pull's bar shows: the bar and its share when the
// total is known, the changes applied and their rate.
func pullLine(items, total int, took time.Duration) string {
	rate := ""
	if s := took.Seconds(); s > 0 && items > 0 {
		rate = fmt.Sprintf(", %.0f/s", float64(items)/s)
	}
	if total <= 0 {
		return fmt.Sprintf("pulling: %d changes applied%s", items, rate)
	}
	done := min(items*barWidth/total, barWidth)
	return fmt.Sprintf("pulling [%s%s] %3d%% %d/%d changes%s", strings.Repeat("=", done), strings.Repeat(" ", barWidth-done),
		min(items*100/total, 100), items, total, rate)
}

func printSummary(ctx context.Context, w io.Writer, s *store.Store, sum benchsync.Summary, took time.Duration) {
	fmt.Fprintf(w, "pushed %d events (%d applied, %d duplicates, %d rejected); pulled %d changes in %d pages",
		sum.Applied+sum.Duplicates+sum.Rejected, sum.Applied, sum.Duplicates, sum.Rejected, sum.Items, sum.Pages)
	if sum.Resynced {
		fmt.Fprint(w, " (full resync: the hub's cursor had expired)")
	}
	fmt.Fprintf(w, " in %s\n", took.Round(time.Millisecond))
	if sum.Rejected > 0 {
		if rejected, err := s.RejectedEvents(ctx); err == nil {
			fmt.Fprintf(w, "%d rejected events await a supervisor\n", len(rejected))
		}
	}
}
