// Package sync is the bench's side of the hub contract: the engine that
// pushes the outbox to the hub in order and pulls the hub's changes into the
// local cache, and the HTTP client it does that with. The bench works
// offline; the engine catches up whenever the hub answers.
//
// Delivery is exactly once in effect: an event stays pending in the outbox
// until the hub has answered for it, and is pushed again (same sequence
// number, same key) until it has. The hub answers a repeat as a duplicate.
//
// The outbox sequence is the bench's event stream. If a bench database is
// recreated while its token is kept, its new events reuse sequence numbers
// the hub has already seen: the hub answers 409 sequence_conflict and the
// engine stops pushing with a *SequenceError; enrolling the bench again
// starts a new stream on the hub, which then takes the outbox as it is.
package benchsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

// Store is what the engine needs of the bench's store; *store.Store has it.
type Store interface {
	Cursor(ctx context.Context) (string, error)
	ApplyChanges(ctx context.Context, c store.Changes, cursor string) error
	BeginResync(ctx context.Context) error
	PendingEvents(ctx context.Context, limit int) ([]store.OutboxEvent, error)
	Settle(ctx context.Context, settlements []store.Settlement) error
	CountPending(ctx context.Context) (int, error)
	PhotoData(ctx context.Context, sha string) ([]byte, error)
	AuditHead(ctx context.Context) (store.AuditHead, error)
}

// State is what the engine is doing.
type State string

const (
	StateIdle    State = "idle"
	StatePushing State = "pushing"
	StatePulling State = "pulling"
	StateWaiting State = "waiting" // for a retry after a failure
	StateStopped State = "stopped" // the hub refused the bench: enroll again
	// StateFailed is the bench's own store failing the sync (a *StoreError
	// in Err): not the network, and no retry will mend it by itself. The
	// engine tries again only at its interval or when nudged.
	StateFailed State = "failed"
)

// Status is the engine's state for a screen: whether the hub answers, when
// the bench last synced, what waits in the outbox and how a pull is going.
type Status struct {
	State      State
	Online     bool      // the last exchange with the hub succeeded
	LastSync   time.Time // end of the last complete sync; zero before the first
	Pending    int       // events waiting for the hub
	Pushed     int       // events settled by the current or last sync
	Duplicates int       // of which the hub had already: an earlier answer was lost
	Rejected   int       // of which the hub rejected: a supervisor must look
	Pages      int       // pages pulled by the current or last sync
	Items      int       // changes applied by the current or last sync
	// Total is how many changes the current or last pull has to apply,
	// for a progress bar: known when the hub says (a pull from the start
	// of its log), 0 when it does not. Changes logged while a pull runs
	// may take Items past it.
	Total   int
	Err     error     // why the last sync failed, nil once one succeeds
	RetryAt time.Time // when the engine tries again after Err; zero when failed
}

// Summary is what one sync did.
type Summary struct {
	Applied, Duplicates, Rejected int // pushed events, by the hub's answer
	Pages, Items                  int // pulled
	Resynced                      bool
}

// Engine syncs one bench store with its hub. Run it in one goroutine;
// Nudge and Status are safe from any.
type Engine struct {
	store    Store
	client   *Client
	bench    string
	batch    int
	page     int
	interval time.Duration
	attempts int
	minDelay time.Duration
	maxDelay time.Duration
	onStatus func(Status)
	nudge    chan struct{}
	// largePull is the size of a pull from the start of the log from
	// which the store's indexes are made after it (deferIndexesFrom).
	largePull int

	mu     sync.Mutex
	status Status
	// What SyncNow waits on: whether Run runs, how many passes began and
	// ended, the last one's error, and a channel closed when the pass
	// under way ends (or Run returns).
	running      bool
	began, ended uint64
	lastErr      error
	passOver     chan struct{}
}

// Option changes an Engine.
type Option func(*Engine)

// WithStatus calls fn with every change of status, from the engine's
// goroutine: fn must return quickly (a UI hands the value to its own thread).
func WithStatus(fn func(Status)) Option { return func(e *Engine) { e.onStatus = fn } }

// WithBatch sets how many events one push carries and how many changes one
// pulled page may hold.
func WithBatch(push, page int) Option {
	return func(e *Engine) { e.batch, e.page = min(push, wire.MaxPushEvents), min(page, wire.MaxPageChanges) }
}

// WithLargePull sets from how many changes a pull from the start of the
// hub's log into an empty store leaves the store's indexes out until it
// ends (50,000 by default; see store.DeferCacheIndexes).
func WithLargePull(changes int) Option { return func(e *Engine) { e.largePull = changes } }

// WithInterval sets how long Run waits between syncs when nothing nudges it.
func WithInterval(d time.Duration) Option { return func(e *Engine) { e.interval = d } }

// WithRetry sets the backoff after failures (full jitter between 0 and an
// exponentially growing ceiling from min to max) and how many attempts
// RunOnce makes.
func WithRetry(attempts int, minDelay, maxDelay time.Duration) Option {
	return func(e *Engine) { e.attempts, e.minDelay, e.maxDelay = max(attempts, 1), minDelay, maxDelay }
}

// New returns an engine syncing st as bench with the hub behind client.
func New(st Store, client *Client, bench string, opts ...Option) *Engine {
	e := &Engine{store: st, client: client, bench: bench, batch: 500, page: wire.MaxPageChanges,
		interval: 30 * time.Second, attempts: 5, minDelay: 500 * time.Millisecond, maxDelay: time.Minute,
		nudge: make(chan struct{}, 1), largePull: deferIndexesFrom, passOver: make(chan struct{})}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Nudge wakes Run early: the outbox has gained an event.
func (e *Engine) Nudge() {
	select {
	case e.nudge <- struct{}{}:
	default:
	}
}

// ErrNotRunning is SyncNow's answer when Run is not running: nothing
// would sync.
var ErrNotRunning = errors.New("the bench is not syncing with its hub")

// SyncNow wakes Run and waits for a sync that begins after the call to
// end, returning its error: what the hub held when SyncNow was called is
// then in the store. It returns ErrNotRunning when Run does not run (or
// stops meanwhile), and ctx's error when ctx ends first.
func (e *Engine) SyncNow(ctx context.Context) error {
	e.mu.Lock()
	want := e.began + 1
	running := e.running
	e.mu.Unlock()
	if !running {
		return ErrNotRunning
	}
	e.Nudge()
	for {
		e.mu.Lock()
		ended, err, over, running := e.ended, e.lastErr, e.passOver, e.running
		e.mu.Unlock()
		switch {
		case ended >= want:
			return err
		case !running:
			return ErrNotRunning
		}
		select {
		case <-over:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// passEnds records the end of a pass (or of Run, with running false) for
// SyncNow.
func (e *Engine) passEnds(err error, running bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if running {
		e.ended, e.lastErr = e.began, err
	}
	e.running = running
	close(e.passOver)
	e.passOver = make(chan struct{})
}

// Status returns the engine's current status.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

func (e *Engine) update(fn func(*Status)) {
	e.mu.Lock()
	fn(&e.status)
	s := e.status
	e.mu.Unlock()
	if e.onStatus != nil {
		e.onStatus(s)
	}
}

// RunOnce syncs once: pushes the whole outbox, then pulls until the hub has
// nothing more. A failure that may pass (the network, a busy hub) is retried
// with backoff, up to the engine's attempts; every retry resumes where the
// last one stopped.
func (e *Engine) RunOnce(ctx context.Context) (Summary, error) {
	var sum Summary
	for attempt := 0; ; attempt++ {
		err := e.pass(ctx, &sum)
		if err == nil || !Retryable(err) || attempt+1 >= e.attempts {
			return sum, err
		}
		if err := e.wait(ctx, attempt, err, nil); err != nil {
			return sum, err
		}
	}
}

// Run syncs until ctx ends: again every interval, early when nudged, and
// after a failure of the network or the hub with backoff. A failure of the
// bench's store is no reason to hurry: it is tried again at the interval, or
// when nudged (the store has just written something). Run returns when ctx
// ends, or with the error when the hub no longer accepts the bench
// (revoked, or its token unknown).
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	e.running = true
	e.mu.Unlock()
	defer e.passEnds(nil, false)
	failures := 0
	for {
		var sum Summary
		e.mu.Lock()
		e.began++
		e.mu.Unlock()
		err := e.pass(ctx, &sum)
		e.passEnds(err, true)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			failures = 0
			if !e.sleep(ctx, e.interval, e.nudge) {
				return ctx.Err()
			}
		case Refused(err):
			e.update(func(s *Status) { s.State = StateStopped })
			return err
		case StoreFailed(err):
			if !e.sleep(ctx, e.interval, e.nudge) {
				return ctx.Err()
			}
		default:
			// A nudge does not cut a wait the hub asked for.
			var nudge <-chan struct{}
			if retryAfter(err) == 0 {
				nudge = e.nudge
			}
			if err := e.wait(ctx, failures, err, nudge); err != nil {
				return err
			}
			failures++
		}
	}
}

// wait sleeps the backoff of a failed attempt, reporting when it retries.
func (e *Engine) wait(ctx context.Context, attempt int, cause error, nudge <-chan struct{}) error {
	d := e.delay(attempt, retryAfter(cause))
	e.update(func(s *Status) { s.State, s.RetryAt = StateWaiting, time.Now().Add(d) })
	if !e.sleep(ctx, d, nudge) {
		return ctx.Err()
	}
	return nil
}

// delay is full-jitter backoff: uniform between 0 and min·2^attempt (capped
// at max), but never shorter than what the hub asked for.
func (e *Engine) delay(attempt int, asked time.Duration) time.Duration {
	// Doubling stops at the ceiling: shifted further, a long minimum delay
	// overflows into a negative ceiling, which the jitter cannot draw from.
	ceiling := e.maxDelay
	if e.minDelay <= e.maxDelay>>attempt {
		ceiling = e.minDelay << attempt
	}
	d := time.Duration(rand.Int64N(int64(ceiling) + 1))
	return max(d, asked)
}

func (e *Engine) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

func (e *Engine) pass(ctx context.Context, sum *Summary) error {
	err := e.push(ctx, sum)
	if err == nil {
		err = e.pull(ctx, sum)
	}
	pending, perr := e.store.CountPending(ctx)
	e.update(func(s *Status) {
		s.State, s.Err = StateIdle, err
		if StoreFailed(err) {
			// The store says nothing of the hub: Online stays what it was.
			s.State, s.RetryAt = StateFailed, time.Time{}
		} else {
			s.Online = err == nil || isHubAnswer(err)
		}
		s.Pushed, s.Duplicates, s.Rejected = sum.Applied+sum.Duplicates+sum.Rejected, sum.Duplicates, sum.Rejected
		s.Pages, s.Items = sum.Pages, sum.Items
		if perr == nil {
			s.Pending = pending
		}
		if err == nil {
			s.LastSync, s.RetryAt = time.Now(), time.Time{}
		}
	})
	return err
}

// SequenceError is the hub refusing the outbox's sequence: the hub expects
// event Expected, the outbox holds First next.
type SequenceError struct {
	Code            string
	Expected, First int64
	Err             error
}

func (e *SequenceError) Error() string {
	return fmt.Sprintf("the hub expects event %d of this bench but its outbox continues at %d (%s): enroll the bench again to start a new event stream",
		e.Expected, e.First, e.Code)
}

func (e *SequenceError) Unwrap() error { return e.Err }

func (e *Engine) push(ctx context.Context, sum *Summary) error {
	for {
		events, err := e.store.PendingEvents(ctx, e.batch)
		if err != nil {
			return storeFailed("read the outbox", err)
		}
		if len(events) == 0 {
			return nil
		}
		pending, err := e.store.CountPending(ctx)
		if err != nil {
			return storeFailed("count the outbox", err)
		}
		head, err := e.store.AuditHead(ctx)
		if err != nil {
			return storeFailed("read the audit head", err)
		}
		e.update(func(s *Status) { s.State, s.Pending = StatePushing, pending })
		req := wire.PushRequest{Bench: e.bench, Events: make([]wire.Event, len(events))}
		if head.Seq > 0 {
			// The hub keeps the heads it is sent: a later one that does not
			// extend them shows this bench's history rewritten.
			req.AuditHead = &wire.AuditHead{Seq: head.Seq, Hash: head.Hash}
		}
		for i, ev := range events {
			req.Events[i] = wire.Event{Seq: ev.Seq, Key: ev.Key, Kind: intake.EventKind(ev.Kind), TradeInID: ev.TradeInID,
				Operator: ev.Operator, Bench: ev.Bench, At: ev.At, Payload: ev.Payload, Grant: ev.Grant, Proof: ev.Proof}
		}
		if err := req.Validate(); err != nil {
			return storeFailed("send its outbox", fmt.Errorf("it holds what the contract refuses: %w", err))
		}
		if err := e.uploadPhotos(ctx, events); err != nil {
			return err
		}
		resp, err := e.client.Push(ctx, req)
		var he *HubError
		if errors.As(err, &he) && (he.Code() == wire.CodeSequenceGap || he.Code() == wire.CodeSequenceConflict) {
			return &SequenceError{Code: he.Code(), Expected: he.Problem.ExpectedSeq, First: events[0].Seq, Err: err}
		}
		if err != nil {
			return err
		}
		settlements := make([]store.Settlement, len(resp.Results))
		for i, r := range resp.Results {
			result, err := json.Marshal(r)
			if err != nil {
				return err
			}
			state := string(wire.StatusApplied)
			switch {
			case r.Rejected():
				state = string(wire.StatusRejected)
				sum.Rejected++
			case r.Status == wire.StatusDuplicate:
				state = string(wire.StatusDuplicate)
				sum.Duplicates++
			default:
				sum.Applied++
			}
			settlements[i] = store.Settlement{Key: r.Key, State: state, Result: result, Decision: r.Decision}
		}
		if err := e.store.Settle(ctx, settlements); err != nil {
			return storeFailed("settle pushed events", err)
		}
	}
}

// uploadPhotos puts the content of the photos that events name on the
// hub before the events: the hub refuses a photo it does not hold. An
// upload is idempotent, so a push retried uploads again harmlessly.
func (e *Engine) uploadPhotos(ctx context.Context, events []store.OutboxEvent) error {
	for _, ev := range events {
		if ev.Kind != string(intake.EventPhotoAdded) {
			continue
		}
		var p intake.Photo
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			return storeFailed("read photo event "+ev.Key, err)
		}
		data, err := e.store.PhotoData(ctx, p.SHA256)
		if err != nil {
			return storeFailed("read photo "+p.SHA256, err)
		}
		if _, err := e.client.PutBlob(ctx, data, p.MIME); err != nil {
			return err
		}
	}
	return nil
}

// pull applies pages until the hub has no more, each page with its cursor
// in one transaction. The next page is fetched while one is applied. An
// expired cursor empties the cache and pulls everything again, once.
func (e *Engine) pull(ctx context.Context, sum *Summary) error {
	cursor, err := e.store.Cursor(ctx)
	if err != nil {
		return storeFailed("read the sync cursor", err)
	}
	e.update(func(s *Status) { s.State, s.Pages, s.Items, s.Total = StatePulling, 0, 0, 0 })
	for {
		err := e.pullFrom(ctx, cursor, sum)
		var he *HubError
		if !errors.As(err, &he) || he.Code() != wire.CodeCursorExpired || sum.Resynced {
			return err
		}
		if err := e.store.BeginResync(ctx); err != nil {
			return storeFailed("begin a full resync", err)
		}
		sum.Resynced, cursor = true, ""
	}
}

type fetched struct {
	page  wire.ChangesPage
	docs  [][]byte  // the trade-ins' JSON as the hub sent it, by change
	asked time.Time // when the hub was asked for it
	err   error
}

// fetchedBody is a page as the hub sent it, with where it says the log
// goes on; one the fetcher had to decode to learn that comes decoded.
type fetchedBody struct {
	body    []byte
	next    string
	more    bool
	asked   time.Time
	decoded *fetched
	err     error
}

// fetch reads pages from cursor on into bodies until the log ends or a
// fetch fails, which ends bodies.
func (e *Engine) fetch(ctx context.Context, cursor string, bodies chan<- fetchedBody) {
	defer close(bodies)
	for c := cursor; ; {
		f := fetchedBody{asked: time.Now()}
		f.body, f.err = e.client.changesBody(ctx, c, e.page)
		if f.err == nil {
			var peeked bool
			if f.next, f.more, peeked = wire.PeekPage(f.body); !peeked {
				// A hub that writes the cursor last: the page is decoded
				// here, before the next is asked for.
				p, docs, err := decodePage(f.body)
				f.decoded, f.next, f.more, f.err = &fetched{page: p, docs: docs, asked: f.asked}, p.NextCursor, p.HasMore, err
			}
		}
		if f.err == nil && f.more && f.next == c {
			f.err = &ResponseError{Op: "pull", Err: errors.New("the page says it has more but its cursor did not move")}
		}
		select {
		case bodies <- f:
		case <-ctx.Done():
			return
		}
		if f.err != nil || !f.more {
			return
		}
		c = f.next
	}
}

// decodePages decodes what fetch read into pages, in order, and checks that
// each page says of itself where the log goes on what its start said.
func decodePages(ctx context.Context, bodies <-chan fetchedBody, pages chan<- fetched) {
	defer close(pages)
	for b := range bodies {
		f := fetched{asked: b.asked, err: b.err}
		switch {
		case f.err != nil:
		case b.decoded != nil:
			f = *b.decoded
		default:
			f.page, f.docs, f.err = decodePage(b.body)
			if f.err == nil && (f.page.NextCursor != b.next || f.page.HasMore != b.more) {
				f.err = &ResponseError{Op: "pull", Err: errors.New("the page does not end where its start said")}
			}
		}
		select {
		case pages <- f:
		case <-ctx.Done():
			return
		}
		if f.err != nil {
			return
		}
	}
}

// IndexDeferrer is a store that can leave its cache's indexes out of a
// large pull into an empty cache and make them after, instead of keeping
// them up row by row (*store.Store; see its DeferCacheIndexes).
type IndexDeferrer interface {
	DeferCacheIndexes(ctx context.Context) (bool, error)
	BuildCacheIndexes(ctx context.Context) error
}

// deferIndexesFrom is the size of a pull from the start of the log from
// which the store's indexes are made after it instead of kept up during
// it: below it, keeping them up costs less than making them, and a scan
// in the middle of the pull reads them instead of the whole cache.
const deferIndexesFrom = 50_000

func (e *Engine) pullFrom(ctx context.Context, cursor string, sum *Summary) (err error) {
	// The indexes a large pull deferred are made whatever ends it: a pull
	// that failed halfway leaves a cache that must match quickly until the
	// pull resumes (and drops them again, see store.DeferCacheIndexes). So
	// are those of a pull that ended with the process (the app closed, the
	// machine lost power), at the next pull, also when that one fails at
	// once: the hub may be away for days.
	defer func(ctx context.Context) {
		d, ok := e.store.(IndexDeferrer)
		if !ok {
			return
		}
		if berr := d.BuildCacheIndexes(ctx); berr != nil {
			err = errors.Join(err, storeFailed("index the pulled trade-ins", berr))
		}
	}(ctx)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Four stages, each a page or a batch apart: the fetcher asks for the
	// next page as soon as it has read where this one ends, the decoder
	// decodes it meanwhile, the batcher gathers decoded pages into the
	// store's batches, and the store applies a batch while the others go
	// on. The store is the slowest: nothing else is left to its goroutine.
	bodies := make(chan fetchedBody, 2)
	pages := make(chan fetched, applyBatch/e.page+1)
	batches := make(chan pulledBatch) // one ready while one is applied
	go e.fetch(ctx, cursor, bodies)
	go decodePages(ctx, bodies, pages)
	go batchPages(ctx, cursor, pages, batches)
	for b := range batches {
		if b.first != nil {
			if err := e.deferIndexes(ctx, cursor, *b.first, sum); err != nil {
				return err
			}
			continue
		}
		// An empty batch that moves nothing is the store's to skip: it
		// alone knows whether a resync waits for the end of the log. What
		// was fetched before a failure is good: it is kept, and the fetch
		// error returned as it is, for the retry logic to read.
		if err := e.store.ApplyChanges(ctx, b.changes, b.next); err != nil {
			return errors.Join(b.err, storeFailed("apply pulled changes", err))
		}
		sum.Pages += b.pages
		sum.Items += b.items
		e.update(func(s *Status) {
			s.Pages, s.Items = sum.Pages, sum.Items
			if s.Total > 0 {
				s.Total = max(s.Total, sum.Items) // changes logged since the hub counted
			}
		})
		if b.err != nil {
			return b.err
		}
	}
	return ctx.Err()
}

// pulledBatch is what the batcher hands the store: the first page alone
// as soon as it comes (first, for deferIndexes), then the changes of up to
// applyBatch pages with the cursor after them, and last, when a fetch
// failed, what came before the failure with the failure (err).
type pulledBatch struct {
	first        *wire.ChangesPage
	changes      store.Changes
	next         string
	pages, items int
	err          error
}

// batchPages gathers the pages of a pull from cursor on into the store's
// batches: pages are applied together, with the cursor of the last one,
// up to applyBatch changes, since one transaction per thousand changes
// rewrites the same index pages to the WAL a hundred times in a large pull.
func batchPages(ctx context.Context, cursor string, pages <-chan fetched, batches chan<- pulledBatch) {
	defer close(batches)
	send := func(b pulledBatch) bool {
		select {
		case batches <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var batch []wire.Change
	var docs [][]byte // the trade-ins' JSON of batch, by change; nil where the hub's form was not kept
	n, next, first := 0, cursor, true
	var asked time.Time // when the batch's last page was asked for
	flush := func(complete bool, err error) bool {
		changes := storeChanges(batch, docs)
		changes.Complete, changes.ReadAt = complete, asked
		ok := send(pulledBatch{changes: changes, next: next, pages: n, items: len(batch), err: err})
		// The store's batch holds copies: these are free for the next.
		batch, docs, n = batch[:0], docs[:0], 0
		return ok
	}
	for f := range pages {
		if f.err != nil {
			flush(false, f.err)
			return
		}
		if first {
			first = false
			page := f.page
			if !send(pulledBatch{first: &page}) {
				return
			}
		}
		batch = append(batch, f.page.Changes...)
		if f.docs != nil {
			docs = append(docs, f.docs...)
		} else {
			docs = append(docs, make([][]byte, len(f.page.Changes))...)
		}
		n++
		next, asked = f.page.NextCursor, f.asked
		if len(batch) >= applyBatch || !f.page.HasMore {
			if !flush(!f.page.HasMore, nil) {
				return
			}
		}
	}
}

// deferIndexes reads the first page of a pull: it says how much the pull
// holds, and whether the store's indexes are better made after it.
func (e *Engine) deferIndexes(ctx context.Context, cursor string, first wire.ChangesPage, sum *Summary) error {
	total := 0
	if first.Remaining > 0 {
		total = sum.Items + len(first.Changes) + int(min(first.Remaining, math.MaxInt32))
		e.update(func(s *Status) { s.Total = total })
	}
	d, ok := e.store.(IndexDeferrer)
	// A pull that resumes (a cursor) is one whose store may have dropped
	// its indexes for it before: the store alone knows.
	if !ok || !first.HasMore || (cursor == "" && total < e.largePull) {
		return nil
	}
	if _, err := d.DeferCacheIndexes(ctx); err != nil {
		return storeFailed("prepare the cache for a large pull", err)
	}
	return nil
}

// applyBatch is how many pulled changes go into one store transaction.
const applyBatch = 10_000

// storeChanges turns a page into the store's batch, docs[i] the JSON of
// cs[i]'s trade-in as the hub sent it, if kept. Within a page the last
// change of an entity wins, so an upsert and a delete of one entity never
// reach the store together.
func storeChanges(cs []wire.Change, docs [][]byte) store.Changes {
	type key struct {
		entity wire.Entity
		id     string
	}
	last := make(map[key]int, len(cs))
	upserts := 0
	for i, c := range cs {
		last[key{c.Entity, c.ID}] = i
		if c.Entity == wire.EntityTradeIn && c.Op == wire.OpUpsert {
			upserts++
		}
	}
	// Sized at once: growing a slice of 10,000 trade-ins copied them over
	// and over on the path every pulled change waits on.
	out := store.Changes{TradeIns: make([]intake.TradeIn, 0, upserts), TradeInDocs: make([][]byte, 0, upserts)}
	for i, c := range cs {
		if last[key{c.Entity, c.ID}] != i {
			continue
		}
		del := c.Op == wire.OpDelete
		switch c.Entity {
		case wire.EntityTradeIn:
			if del {
				out.DeletedTradeIns = append(out.DeletedTradeIns, c.ID)
			} else {
				var doc []byte
				if i < len(docs) {
					doc = docs[i]
				}
				out.TradeIns = append(out.TradeIns, *c.TradeIn)
				out.TradeInDocs = append(out.TradeInDocs, doc)
			}
		case wire.EntityFlag:
			if del {
				out.DeletedFlags = append(out.DeletedFlags, c.ID)
			} else {
				out.Flags = append(out.Flags, *c.Flag)
			}
		case wire.EntityOperator:
			if del {
				out.DeletedOperator = append(out.DeletedOperator, c.ID)
			} else {
				o := c.Operator
				out.Operators = append(out.Operators, store.OperatorRecord{
					Operator: intake.Operator{ID: o.ID, Name: o.Name, Role: o.Role}, Badge: o.Badge, PINHash: o.PINHash})
			}
		case wire.EntityVariant:
			if del {
				out.DeletedVariants = append(out.DeletedVariants, c.ID)
			} else {
				v := c.Variant
				out.Variants = append(out.Variants, intake.Variant{Prices: v.Prices, TACs: v.TACs,
					Device: intake.Device{Make: v.Make, Model: v.Model, Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU}})
			}
		case wire.EntityReview:
			if del {
				out.DeletedReviews = append(out.DeletedReviews, c.ID)
			} else {
				r := c.Review
				out.Reviews = append(out.Reviews, intake.Review{TradeIn: intake.TradeIn{ID: r.TradeInID}, State: r.State,
					Grading: r.Grading, Photos: r.Photos})
			}
		case wire.EntityQuarantine:
			if del {
				out.DeletedQuarantines = append(out.DeletedQuarantines, c.ID)
			} else {
				out.Quarantines = append(out.Quarantines, *c.Quarantine)
			}
		}
	}
	return out
}
