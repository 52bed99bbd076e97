package hub_test

// Helpers of the refusal tests (refusals_test.go, anonlimit_test.go,
// highwater_test.go). They reach the hub the way a bench does, over HTTP
// with the wire types (call and answer of hub_test.go), and set it up only
// through its exported methods, so that they hold the hub to the contract
// whatever its internals.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// Operators of the demo seed, which hubtest.New always loads: one of each
// role, so that a role and nothing else tells two events apart.
const (
	opTechnician = "op-tech-1"
	opClerk      = "op-clerk-1"
	opSupervisor = "op-super-1"
)

// benchClient is one enrolled bench: its token and its own event sequence,
// numbered as a real bench numbers its outbox.
type benchClient struct {
	hub     *hubtest.Hub
	name    string
	token   string
	seq     int64
	session *intake.Session // the demo supervisor's, once asked for
	reviews bool            // pulls ask for the supervisors' entities (wire.IncludeReviews)
}

func enrollBench(t *testing.T, h *hubtest.Hub, name string) *benchClient {
	t.Helper()
	return &benchClient{hub: h, name: name, token: h.Enroll(t, name)}
}

// newEvent makes the bench's next event. The payload is marshalled as it
// is: building one that disagrees with its envelope is the tests' business.
// A supervisor's decision is signed with the supervisor's session, as the
// bench signs it.
func (b *benchClient) newEvent(t *testing.T, kind intake.EventKind, tradeInID, operator string, payload any) wire.Event {
	t.Helper()
	var s *intake.Session
	if operator == opSupervisor && isDecision(kind) {
		s = b.supervisorSession(t)
	}
	ev := b.newEventAs(t, kind, tradeInID, operator, payload)
	if s != nil {
		b.sign(t, &ev, s)
	}
	return ev
}

// newEventAs is newEvent signed by nobody: a decision as a bench that
// claims a role sends it.
func (b *benchClient) newEventAs(t *testing.T, kind intake.EventKind, tradeInID, operator string, payload any) wire.Event {
	t.Helper()
	p, err := json.Marshal(payload)
	require.NoError(t, err)
	b.seq++
	return wire.Event{Seq: b.seq, Key: uuid.NewString(), Kind: kind, TradeInID: tradeInID, Operator: operator,
		Bench: b.name, At: time.Now().UTC(), Payload: p}
}

func isDecision(k intake.EventKind) bool {
	switch k {
	case intake.EventPayoutDeclined, intake.EventCounterOffer, intake.EventOverrideAccepted, intake.EventPhotosRequested:
		return true
	}
	return false
}

// sign has a session vouch for an event as the bench does.
func (b *benchClient) sign(t *testing.T, ev *wire.Event, s *intake.Session) {
	t.Helper()
	fp, err := intake.Fingerprint(ev.Kind, ev.TradeInID, ev.Operator, ev.Bench, ev.At, ev.Payload)
	require.NoError(t, err)
	ev.Grant, ev.Proof = s.Grant, s.Prove(fp)
}

// askGrant asks the hub for a grant of operator's session at this bench.
func (b *benchClient) askGrant(t *testing.T, req wire.GrantRequest) (answer, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := intake.NewSessionKey()
	require.NoError(t, err)
	req.SessionKey = base64.RawURLEncoding.EncodeToString(pub)
	return call(t, http.MethodPost, b.hub.URL+"/v1/grants", b.token, req), priv
}

// supervisorSession is the demo supervisor's session at this bench,
// granted by the hub for their PIN.
func (b *benchClient) supervisorSession(t *testing.T) *intake.Session {
	t.Helper()
	if b.session == nil {
		a, key := b.askGrant(t, wire.GrantRequest{Operator: opSupervisor, PIN: "333333"})
		require.Equal(t, http.StatusCreated, a.status, "grant: %s", a.body)
		var g wire.GrantResponse
		require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxSmallBody, &g))
		b.session = intake.NewSession(g.Grant, key)
	}
	return b.session
}

// pushAs posts events in a push that names bench, whatever the token's.
func (b *benchClient) pushAs(t *testing.T, bench string, events ...wire.Event) answer {
	t.Helper()
	return call(t, http.MethodPost, b.hub.URL+"/v1/events", b.token, wire.PushRequest{Bench: bench, Events: events})
}

// push posts events and returns the hub's answer for each, checked as a
// bench checks it.
func (b *benchClient) push(t *testing.T, events ...wire.Event) []wire.EventResult {
	t.Helper()
	a := b.pushAs(t, b.name, events...)
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	var resp wire.PushResponse
	require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxPushBytes, &resp))
	require.NoError(t, resp.Answers(wire.PushRequest{Bench: b.name, Events: events}))
	return resp.Results
}

// pushOne sends one new event and returns its result.
func (b *benchClient) pushOne(t *testing.T, kind intake.EventKind, tradeInID, operator string, payload any) wire.EventResult {
	t.Helper()
	return b.push(t, b.newEvent(t, kind, tradeInID, operator, payload))[0]
}

// mustApply sends one new event that the hub must apply: the setup of a
// refusal, which proves nothing if it was refused itself.
func (b *benchClient) mustApply(t *testing.T, kind intake.EventKind, tradeInID, operator string, payload any) {
	t.Helper()
	r := b.pushOne(t, kind, tradeInID, operator, payload)
	require.Equal(t, "applied", string(r.Status), "setup event %s: %s %s", kind, r.Code, r.Detail)
}

// pullPage reads one page of GET /v1/changes.
func (b *benchClient) pullPage(t *testing.T, cursor string, limit int) wire.ChangesPage {
	t.Helper()
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if b.reviews {
		q.Set("include", wire.IncludeReviews)
	}
	a := call(t, http.MethodGet, b.hub.URL+"/v1/changes?"+q.Encode(), b.token, nil)
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	var p wire.ChangesPage
	require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxPageBytes, &p))
	return p
}

// pullAll follows the pages after cursor to the end of the log and returns
// what they held and the last page's cursor.
func (b *benchClient) pullAll(t *testing.T, cursor string, limit int) ([]wire.Change, string) {
	t.Helper()
	var all []wire.Change
	for range 10_000 {
		p := b.pullPage(t, cursor, limit)
		all, cursor = append(all, p.Changes...), p.NextCursor
		if !p.HasMore {
			return all, cursor
		}
	}
	t.Fatal("the change log never ended")
	return nil, ""
}

// top reads the log to its end and returns the cursor there: what a
// refusal must leave with nothing after it.
func (b *benchClient) top(t *testing.T) string {
	t.Helper()
	_, c := b.pullAll(t, "", wire.MaxPageChanges)
	return c
}

// assertNoChangeSince checks that the hub published nothing after cursor.
func (b *benchClient) assertNoChangeSince(t *testing.T, cursor string) {
	t.Helper()
	changes, _ := b.pullAll(t, cursor, wire.MaxPageChanges)
	assert.Empty(t, changes, "a refused event changes nothing a bench can pull")
}

// statusOf is the hub's status of a trade-in, which must exist, spelt as
// on the wire: the tests compare it with literals, so that a renamed status
// shows up as the contract change it is.
func statusOf(t *testing.T, h *hubtest.Hub, id string) string {
	t.Helper()
	ti, err := h.TradeIn(context.Background(), id)
	require.NoError(t, err)
	return string(ti.Status)
}

// assertNoTradeIn checks that the hub holds no trade-in id.
func assertNoTradeIn(t *testing.T, h *hubtest.Hub, id string) {
	t.Helper()
	_, err := h.TradeIn(context.Background(), id)
	assert.True(t, errors.Is(err, hub.ErrNotFound), "trade-in %s: want not found, got %v", id, err)
}

// testIMEI makes the n-th IMEI of a TAC the demo catalog does not list, so
// that no seeded trade-in or flag can hold it by chance.
func testIMEI(t *testing.T, n int) string {
	t.Helper()
	body := fmt.Sprintf("99000001%06d", n)
	check, err := intake.LuhnCheckDigit(body)
	require.NoError(t, err)
	imei := body + string(check)
	require.True(t, wire.ValidIMEI(imei), imei)
	return imei
}

// testPrices is a price table in which grading a device down changes its
// price, as in the real catalog.
var testPrices = intake.PriceTable{
	intake.ConditionExcellent: 41000, intake.ConditionGood: 35000, intake.ConditionFair: 26000,
	intake.ConditionPoor: 14000, intake.ConditionBroken: 5000,
}

// newTradeIn is a trade-in as the platform sends it once the customer
// accepted the offer: the device is on its way to a bench.
func newTradeIn(id, imei string) intake.TradeIn {
	return intake.TradeIn{
		ID: id, Reference: "TI-TEST-" + strings.ToUpper(id), Status: intake.StatusAccepted,
		Device:   intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", Carrier: "Unlocked"},
		IMEI:     imei,
		Customer: intake.Customer{Name: "Ada Lovelace", Email: "ada@example.com"},
		// Disclosed good: a cracked screen found at the bench is worse, so
		// grading reroutes the device to a supervisor.
		Disclosed: intake.ConditionGood, Offer: testPrices[intake.ConditionGood], Prices: testPrices,
		UpdatedAt: time.Now().UTC().Truncate(time.Second),
	}
}

// putTradeIn gives the hub a trade-in as the platform does.
func putTradeIn(t *testing.T, h *hubtest.Hub, ti intake.TradeIn) intake.TradeIn {
	t.Helper()
	require.NoError(t, h.PutTradeIns(context.Background(), []intake.TradeIn{ti}))
	return ti
}

// receiptOf is the payload of a receipt of ti's device by its IMEI.
func (b *benchClient) receiptOf(ti intake.TradeIn, operator string) intake.Receipt {
	return intake.Receipt{TradeInID: ti.ID, IMEI: ti.IMEI, Operator: operator, Bench: b.name, At: time.Now().UTC()}
}

// crackedScreen is an inspection whose only fault is a cracked screen.
func crackedScreen() intake.Inspection {
	in := flawless()
	in.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked
	return in
}

// flawless is an inspection with no fault at all: as good as any
// disclosure.
func flawless() intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 92}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	return in
}

// gradingAsDisclosed grades ti's device flawless: not worse than
// disclosed, so nothing is rerouted.
func (b *benchClient) gradingAsDisclosed(t *testing.T, ti intake.TradeIn) intake.Grading {
	t.Helper()
	in := flawless()
	grade, err := intake.ComputeGrade(in)
	require.NoError(t, err)
	d := intake.DecideOnArrival(ti, grade)
	require.False(t, d.Reroute, "a flawless device is not worse than the disclosed %s", ti.Disclosed)
	return intake.Grading{TradeInID: ti.ID, Operator: opTechnician, Bench: b.name, At: time.Now().UTC(), Inspection: in, Grade: grade, Decision: d}
}

// gradingOf grades ti's device with a cracked screen: worse than the
// customer disclosed, so its decision is to reroute.
func (b *benchClient) gradingOf(t *testing.T, ti intake.TradeIn) intake.Grading {
	t.Helper()
	in := crackedScreen()
	grade, err := intake.ComputeGrade(in)
	require.NoError(t, err)
	d := intake.DecideOnArrival(ti, grade)
	require.True(t, d.Reroute, "a cracked screen is worse than the disclosed %s", ti.Disclosed)
	return intake.Grading{TradeInID: ti.ID, Operator: opTechnician, Bench: b.name, At: time.Now().UTC(), Inspection: in, Grade: grade, Decision: d}
}

// receivedHere puts a new trade-in on the hub and receives its device at b.
func (b *benchClient) receivedHere(t *testing.T, id, imei string) intake.TradeIn {
	t.Helper()
	ti := putTradeIn(t, b.hub, newTradeIn(id, imei))
	b.mustApply(t, intake.EventReceived, ti.ID, opTechnician, b.receiptOf(ti, opTechnician))
	require.Equal(t, "received", statusOf(t, b.hub, ti.ID))
	return ti
}

// gradedHere is receivedHere and graded, not rerouted.
func (b *benchClient) gradedHere(t *testing.T, id, imei string) (intake.TradeIn, intake.Grading) {
	t.Helper()
	ti := b.receivedHere(t, id, imei)
	g := b.gradingOf(t, ti)
	b.mustApply(t, intake.EventGraded, ti.ID, opTechnician, g)
	require.Equal(t, "inspected", statusOf(t, b.hub, ti.ID))
	return ti, g
}

// reroutedHere is gradedHere and rerouted by the technician: the payout
// waits for a supervisor.
func (b *benchClient) reroutedHere(t *testing.T, id, imei string) intake.TradeIn {
	t.Helper()
	ti, g := b.gradedHere(t, id, imei)
	b.mustApply(t, intake.EventRerouted, ti.ID, opTechnician, g.Decision)
	require.Equal(t, "inspected", statusOf(t, b.hub, ti.ID))
	return ti
}

// decisionOn is a supervisor decision of kind on ti as the bench's
// supervisor screen records it.
func (b *benchClient) decisionOn(ti intake.TradeIn, kind intake.DecisionKind, operator string) intake.SupervisorDecision {
	now := time.Now().UTC()
	d := intake.SupervisorDecision{TradeInID: ti.ID, Kind: kind, Operator: operator, Bench: b.name, At: now,
		Reason: "screen cracked in transit, customer called"}
	if kind == intake.DecideCounterOffer {
		d.CounterOffer, d.Expires = testPrices[intake.ConditionPoor], now.Add(intake.DefaultCounterOfferExpiry)
	}
	return d
}

// decisionEvent is the event kind a decision travels as.
func decisionEvent(t *testing.T, kind intake.DecisionKind) intake.EventKind {
	t.Helper()
	_, ev, err := kind.ResultingState()
	require.NoError(t, err)
	return ev
}

// walkInPayload is the payload of tradein.walkin_accepted as
// intake.AcceptWalkIn writes it.
type walkInPayload struct {
	TradeIn intake.TradeIn `json:"trade_in"`
	Payout  intake.Payout  `json:"payout"`
}

// walkIn makes the bench's next walk-in event: a device of the hub's
// catalog bought over the counter in good condition at the catalog's
// price, received on the spot, paid its quoted offer. change, if given,
// spoils the payload before it is sent.
func (b *benchClient) walkIn(t *testing.T, imei, operator string, change func(*walkInPayload)) wire.Event {
	t.Helper()
	id := uuid.NewString()
	ti := newTradeIn(id, imei)
	vs, err := b.hub.Variants(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, vs, "the hub's catalog")
	v := vs[0]
	ti.Device = intake.Device{Make: v.Make, Model: v.Model, Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU}
	ti.Offer, ti.Prices = v.Prices[intake.ConditionGood], v.Prices
	ti.Reference, ti.Status = "WI-"+strings.ToUpper(id[:8]), intake.StatusReceived
	ev := b.newEvent(t, intake.EventWalkInAccepted, id, operator, nil)
	ti.Receipt = &intake.Receipt{TradeInID: id, IMEI: imei, Operator: operator, Bench: b.name, At: ev.At, EventKey: ev.Key}
	p := walkInPayload{TradeIn: ti, Payout: intake.Payout{Method: intake.PayoutStoreCredit, Amount: ti.Offer}}
	if change != nil {
		change(&p)
	}
	ev.Payload, err = json.Marshal(p)
	require.NoError(t, err)
	return ev
}

// cursorSeq reads the log position out of a cursor the hub issued. A bench
// treats cursors as opaque and never does this. But a cursor left just
// below the top of the log, behind a compacted tail, pulls the same pages as
// one at the top while the start horizon it carries stands, so only its
// position shows whether a full read really ends at the top. It reads the
// form the hub writes, instance.seq.start-horizon.view, and fails rather
// than guess at another.
func cursorSeq(t *testing.T, cursor string) int64 {
	t.Helper()
	parts := strings.Split(cursor, ".")
	require.Len(t, parts, 4, "cursor %q is not instance.seq.start-horizon.view: update cursorSeq to the hub's cursor form", cursor)
	seq, err := strconv.ParseInt(parts[1], 10, 64)
	require.NoError(t, err, "cursor %q", cursor)
	return seq
}
