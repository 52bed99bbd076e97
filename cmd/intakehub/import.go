package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/intake"
)

const importUsage = `usage: intakehub import tradeins|flags|catalog|prices|staff FILE [--db hub.db] [--format csv|jsonl]
                        [--batch N] [--min-pin-length 6] [--json]

FILE is CSV with a header row or JSON Lines, by its extension or --format;
- reads standard input (give --format). Rejected rows are listed on standard
error as "line N: field: reason" and change nothing; the exit status is 1
when rows were rejected.`

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("import", stderr)
	format := fs.String("format", "", "csv or jsonl (default: by the file's extension)")
	batch := fs.Int("batch", imports.DefaultBatchSize, "rows each transaction applies")
	minPIN := fs.Int("min-pin-length", intake.DefaultMinPINLength, "the shortest PIN a staff row may have")
	asJSON := fs.Bool("json", false, "print the report as JSON on standard output instead of a summary")
	fs.Usage = func() { fmt.Fprintln(stderr, importUsage); fs.PrintDefaults() }
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fmt.Fprintln(stderr, importUsage)
		return errUsage
	}
	kind, err := imports.ParseKind(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "import: %v\n", err)
		return errUsage
	}
	o := imports.Options{BatchSize: *batch, MinPINLength: *minPIN}
	if *format != "" {
		if o.Format, err = imports.ParseFormat(*format); err != nil {
			fmt.Fprintf(stderr, "import: %v\n", err)
			return errUsage
		}
	} else if f, ok := imports.FormatOf(pos[1]); ok {
		o.Format = f
	} else {
		fmt.Fprintf(stderr, "import: %s has no .csv or .jsonl extension: give --format\n", pos[1])
		return errUsage
	}
	if *batch < 1 || *batch > imports.MaxBatchSize {
		fmt.Fprintf(stderr, "import: --batch must be between 1 and %d\n", imports.MaxBatchSize)
		return errUsage
	}

	var in io.Reader = os.Stdin
	if pos[1] != "-" {
		f, err := os.Open(pos[1])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f // a file is read for its structure first: a malformed one changes nothing
	}
	h, err := hubdb.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer h.Close()
	// The command's heap is a few batches: collecting less often buys a
	// fifth of the import's time.
	debug.SetGCPercent(imports.GCPercent)

	bar := newProgressBar(stderr)
	o.Progress = bar.update
	o.Rejected = func(rs []imports.Rejection) {
		bar.clear()
		for _, r := range rs {
			fmt.Fprintln(stderr, r)
		}
	}
	start := time.Now()
	rep, err := imports.New(h, imports.Config{}).Import(ctx, kind, in, o)
	bar.clear()
	took := time.Since(start)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(rep); jerr != nil {
			return jerr
		}
	} else if err == nil || rep.Rows > 0 {
		fmt.Fprintln(stdout, summary(rep, took))
	}
	if err != nil {
		return err
	}
	if rep.RejectedRows > 0 {
		return fmt.Errorf("%d of %d rows rejected (listed above); the others were imported", rep.RejectedRows, rep.Rows)
	}
	return nil
}

// summary is the plain line an import ends with.
func summary(rep imports.Report, took time.Duration) string {
	rate := ""
	if s := took.Seconds(); s >= 1 {
		rate = fmt.Sprintf(", %.0f rows/s", float64(rep.Rows)/s)
	}
	return fmt.Sprintf("%s: %d rows: %d imported, %d updated, %d already there, %d rejected (%.1fs%s)",
		rep.Kind, rep.Rows, rep.Imported, rep.Updated, rep.SkippedExisting, rep.RejectedRows, took.Seconds(), rate)
}

// progressBar draws an import's progress on a terminal, on one line it
// redraws; on anything else it draws nothing, and the summary says it all.
// It is a few lines of its own rather than a dependency: it draws one
// kind of bar, from one goroutine, and needs no terminal width.
type progressBar struct {
	w     io.Writer
	on    bool
	shown bool
	last  time.Time
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, on: ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))}
}

// barWidth is the bar's width in characters.
const barWidth = 30

func (p *progressBar) update(pr imports.Progress) {
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && pr.Rows < pr.Total) {
		return
	}
	p.last = time.Now()
	rate := 0.0
	if s := pr.Elapsed.Seconds(); s > 0 {
		rate = float64(pr.Rows) / s
	}
	line := fmt.Sprintf("%d rows, %.0f rows/s", pr.Rows, rate)
	if pr.Total > 0 {
		done := min(pr.Rows*barWidth/pr.Total, barWidth)
		eta := ""
		if rate > 0 && pr.Rows < pr.Total {
			eta = fmt.Sprintf(", %s left", (time.Duration(float64(pr.Total-pr.Rows)/rate) * time.Second).Round(time.Second))
		}
		line = fmt.Sprintf("[%s%s] %3d%% %d/%d rows, %.0f rows/s%s", strings.Repeat("=", done), strings.Repeat(" ", barWidth-done),
			pr.Rows*100/pr.Total, pr.Rows, pr.Total, rate, eta)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// clear removes the bar, so that other lines print on their own.
func (p *progressBar) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
