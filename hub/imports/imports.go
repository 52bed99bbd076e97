// Package imports brings real data into the hub from CSV and JSON Lines
// files: trade-ins, registry flags, the catalog, prices and staff.
//
// Every row is checked by the domain's own rules (intake) before anything
// is written; a row that fails is reported as (line, field, reason) and
// changes nothing. Rows are applied in batches, each batch one transaction,
// so an import stopped anywhere (an error, a kill, a power cut) leaves
// every batch whole or absent. Importing a file again is safe: each kind
// has a key (a trade-in's external_id, a variant's sku, a flag's imei, an
// operator's id, a price's sku and condition), and a row whose key is
// already there is counted, not written twice.
//
// A file that can be read twice (a file on disk; the HTTP handler spools
// its body to one) is read once for its structure first: a malformed file
// (no header, a record with the wrong number of fields, a line that is
// not a JSON object) is refused before any row is applied.
//
// An imported trade-in enters the one status machine where its row says
// it stands, with what the hub's own steps would have written to get it
// there: its history entry, and from acceptance on its unit, stock
// movement, payout ledger and (from receipt on) receipt. It is a change
// of the log like any other, so benches pull it.
package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
)

// Kind is what a file holds.
type Kind string

// The kinds of import.
const (
	KindTradeIns Kind = "tradeins"
	KindFlags    Kind = "flags"
	KindCatalog  Kind = "catalog"
	KindPrices   Kind = "prices"
	KindStaff    Kind = "staff"
)

// Kinds lists every kind, in the order a new hub would import them: the
// catalog before the prices and trade-ins that name its SKUs.
var Kinds = []Kind{KindCatalog, KindPrices, KindFlags, KindStaff, KindTradeIns}

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); slices.Contains(Kinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("unknown import %q (want tradeins, flags, catalog, prices or staff)", s)
}

// Format is how a file is written.
type Format string

// The file formats.
const (
	FormatCSV   Format = "csv"   // RFC 4180, UTF-8, a header row naming the columns
	FormatJSONL Format = "jsonl" // one JSON object a line, keys as the CSV columns
)

// ParseFormat reads a format's name.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "csv":
		return FormatCSV, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("unknown format %q (want csv or jsonl)", s)
}

// FormatOf is the format a file name's extension says, and false when it
// says none.
func FormatOf(name string) (Format, bool) {
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".csv"):
		return FormatCSV, true
	case strings.HasSuffix(strings.ToLower(name), ".jsonl"), strings.HasSuffix(strings.ToLower(name), ".ndjson"):
		return FormatJSONL, true
	}
	return "", false
}

// DefaultBatchSize is how many rows of a file one transaction applies.
// Bigger batches dirty each page of an index inserted into all over (the
// IMEIs') once for more rows; the hub's other writers (bench pushes) wait
// at most one batch for the write lock, half a second for trade-ins.
const DefaultBatchSize = 10_000

// GCPercent is the garbage collector's target for a process whose work is
// an import (intakehub import sets it): its live heap is a few batches,
// and collecting at the default 100 spends a fifth of an import marking.
const GCPercent = 400

// MaxBatchSize bounds a batch: a bigger one holds the write lock for
// seconds and the memory of its rows.
const MaxBatchSize = 100_000

// Rejection is one reason a row was not imported. A row may have several,
// one per field that is wrong; Field is "" for the row as a whole.
type Rejection struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (r Rejection) String() string {
	if r.Field == "" {
		return fmt.Sprintf("line %d: %s", r.Line, r.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", r.Line, r.Field, r.Reason)
}

// Report is what an import did. Rows counts the file's rows (not its
// header or blank lines); each was imported (new), updated (its key was
// there with other values: catalog, prices and flags only), skipped as
// already there (its key was there, with the same values for the catalog,
// prices and flags), or rejected.
type Report struct {
	Kind            Kind        `json:"kind"`
	Rows            int         `json:"rows"`
	Imported        int         `json:"imported"`
	Updated         int         `json:"updated"`
	SkippedExisting int         `json:"skipped_existing"`
	RejectedRows    int         `json:"rejected_rows"`
	Rejected        []Rejection `json:"rejected"`
}

// Progress is where an import stands after a batch committed.
type Progress struct {
	Rows  int // rows read so far
	Total int // rows in the file, 0 when it was not read ahead
	Report
	Elapsed time.Duration
}

// Options tune one import.
type Options struct {
	Format Format // required
	// BatchSize is how many rows each transaction applies;
	// DefaultBatchSize for 0.
	BatchSize int
	// MinPINLength is the shortest PIN a staff row may have;
	// intake.DefaultMinPINLength for 0.
	MinPINLength int
	// Progress, when set, is called after every batch commits.
	Progress func(Progress)
	// Rejected, when set, is called with the rejections of each batch, in
	// line order, as the batch is done.
	Rejected func([]Rejection)
}

// FormatError is a file the importer cannot read as its format: it names
// the line and says what is wrong, never what the line holds (a staff
// file's lines hold PINs).
type FormatError struct {
	Line int
	Msg  string
}

func (e *FormatError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ErrStopped wraps the failure of an import that stopped after some of its
// batches committed: importing the file again completes it.
var ErrStopped = errors.New("import stopped")

// Importer imports files into one hub database.
type Importer struct {
	db  *hubdb.DB
	now func() time.Time
	log *slog.Logger
	// bulk lets one trade-in import at a time tune the writer: two would
	// restore each other's settings wrongly, and share one writer anyway.
	bulk chan struct{}
}

// Config tunes an Importer.
type Config struct {
	// Now is the clock that dates what an import writes; time.Now by
	// default.
	Now func() time.Time
	// Logger takes what the HTTP handler cannot tell its client (a
	// database failure); discarding by default.
	Logger *slog.Logger
}

// New returns an importer writing to db.
func New(db *hubdb.DB, c Config) *Importer {
	im := &Importer{db: db, now: c.Now, log: c.Logger, bulk: make(chan struct{}, 1)}
	if im.now == nil {
		im.now = time.Now
	}
	if im.log == nil {
		im.log = slog.New(slog.DiscardHandler)
	}
	return im
}

// Import reads a file of kind from in and applies it. A format error or a
// failure of the database stops it: with no batch applied, the error is
// returned as it is; after some batches committed, it wraps ErrStopped and
// the report counts what they did. Rejected rows are no error: the report
// lists them.
func (im *Importer) Import(ctx context.Context, kind Kind, in io.Reader, o Options) (Report, error) {
	if o.Format != FormatCSV && o.Format != FormatJSONL {
		return Report{Kind: kind}, fmt.Errorf("unknown format %q (want csv or jsonl)", o.Format)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchSize < 1 || o.BatchSize > MaxBatchSize {
		return Report{Kind: kind}, fmt.Errorf("batch size %d is not between 1 and %d", o.BatchSize, MaxBatchSize)
	}
	switch kind {
	case KindTradeIns:
		ops, err := im.tradeIns(ctx)
		if err != nil {
			return Report{Kind: kind}, err
		}
		select {
		case im.bulk <- struct{}{}:
			defer func() { <-im.bulk }()
		case <-ctx.Done():
			return Report{Kind: kind}, ctx.Err()
		}
		var rep Report
		err = im.db.Bulk(ctx, bulkCacheMiB, func() (err error) {
			rep, err = run(ctx, im, kind, in, o, ops)
			return err
		})
		return rep, err
	case KindFlags:
		return run(ctx, im, kind, in, o, im.flags())
	case KindCatalog:
		return run(ctx, im, kind, in, o, im.catalog())
	case KindPrices:
		ops, err := im.prices(ctx)
		if err != nil {
			return Report{Kind: kind}, err
		}
		return run(ctx, im, kind, in, o, ops)
	case KindStaff:
		return run(ctx, im, kind, in, o, im.staff(o.MinPINLength))
	}
	_, err := ParseKind(string(kind))
	return Report{Kind: kind}, err
}

// bulkCacheMiB is the writer's page cache while it imports trade-ins:
// enough for the indexes a million trade-ins insert into all over.
const bulkCacheMiB = 256

// counts is what applying a batch did.
type counts struct{ imported, updated, skipped int }

// item is a row that passed its checks, with its line.
type item[T any] struct {
	line int
	v    T
}

// ops is how one kind is read, checked and written.
type ops[T any] struct {
	columns []column
	// check reads one row of a batch read at now; a row it records a
	// problem of is rejected.
	check func(r *row, now time.Time) T
	// finish, when set, completes a batch's items off the writer (the
	// staff's PIN hashing) and may reject some.
	finish func(items []item[T]) ([]item[T], []Rejection)
	// apply writes a batch's items in tx and counts them.
	apply func(ctx context.Context, tx *hubdb.Tx, items []item[T], now time.Time) (counts, error)
}

// batch is a run of BatchSize rows of the file, checked.
type batch[T any] struct {
	items    []item[T]
	rejected []Rejection
	rows     int
	err      error // what stopped the reading after these rows
}

// run reads, checks and applies a file. One goroutine reads and checks
// rows while this one applies the batch before: on two cores the parsing
// and the database overlap.
func run[T any](ctx context.Context, im *Importer, kind Kind, in io.Reader, o Options, k ops[T]) (Report, error) {
	start := time.Now()
	rep := Report{Kind: kind, Rejected: []Rejection{}}
	total := 0
	// A file that can be read twice (not a pipe, though os.Stdin says it
	// can seek) is read for its structure first.
	if rs, ok := in.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			n, err := prescan(rs, o.Format, k.columns)
			if err != nil {
				return rep, err
			}
			total = n
			if _, err := rs.Seek(at, io.SeekStart); err != nil {
				return rep, fmt.Errorf("read the file again: %w", err)
			}
		}
	}
	if o.Progress != nil {
		o.Progress(Progress{Total: total, Report: rep, Elapsed: time.Since(start)})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch[T], 2)
	go read(ctx, in, o, k, im.now, batches)

	committed := 0
	stop := func(err error) (Report, error) {
		cancel()
		// Drain, so that the reader, stopped at its next send, ends.
		for range batches {
		}
		if committed > 0 {
			return rep, fmt.Errorf("%w after %d batches (%d rows read): %w; importing the file again completes it", ErrStopped, committed, rep.Rows, err)
		}
		return rep, err
	}
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return stop(err)
		}
		if len(b.items) > 0 {
			var c counts
			err := im.db.InTx(ctx, func(tx *hubdb.Tx) (err error) {
				c, err = k.apply(ctx, tx, b.items, im.now().UTC())
				return err
			})
			if err != nil {
				return stop(fmt.Errorf("apply the batch of lines %d to %d: %w", b.items[0].line, b.items[len(b.items)-1].line, err))
			}
			committed++
			rep.Imported += c.imported
			rep.Updated += c.updated
			rep.SkippedExisting += c.skipped
		}
		rep.Rows += b.rows
		if len(b.rejected) > 0 {
			slices.SortStableFunc(b.rejected, func(a, b Rejection) int { return a.Line - b.Line })
			lines := map[int]bool{}
			for _, r := range b.rejected {
				lines[r.Line] = true
			}
			rep.RejectedRows += len(lines)
			rep.Rejected = append(rep.Rejected, b.rejected...)
			if o.Rejected != nil {
				o.Rejected(b.rejected)
			}
		}
		if o.Progress != nil {
			o.Progress(Progress{Rows: rep.Rows, Total: total, Report: rep, Elapsed: time.Since(start)})
		}
		if b.err != nil {
			return stop(b.err)
		}
	}
	if err := ctx.Err(); err != nil {
		return stop(err)
	}
	return rep, nil
}

// read reads and checks rows into batches until the file ends, a format
// error, or ctx ends, and closes out.
func read[T any](ctx context.Context, in io.Reader, o Options, k ops[T], clock func() time.Time, out chan<- batch[T]) {
	defer close(out)
	src, err := newSource(in, o.Format, k.columns)
	send := func(b batch[T]) bool {
		if k.finish != nil && len(b.items) > 0 {
			var more []Rejection
			b.items, more = k.finish(b.items)
			b.rejected = append(b.rejected, more...)
		}
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if err != nil {
		send(batch[T]{err: err})
		return
	}
	b := batch[T]{}
	now := clock().UTC()
	for {
		r, err := src.next()
		if err == io.EOF {
			if b.rows > 0 {
				send(b)
			}
			return
		}
		if err != nil {
			b.err = err
			send(b)
			return
		}
		b.rows++
		v := k.check(r, now)
		if len(r.rejected) == 0 {
			b.items = append(b.items, item[T]{line: r.line, v: v})
		} else {
			b.rejected = append(b.rejected, r.rejected...)
		}
		if b.rows == o.BatchSize {
			if !send(b) {
				return
			}
			b = batch[T]{}
			now = clock().UTC()
		}
	}
}
