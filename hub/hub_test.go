package hub_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/benchrelease"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

const tech = "op-tech-1"

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) problem(t *testing.T) wire.Problem {
	t.Helper()
	require.Equal(t, wire.ProblemContentType, a.header.Get("Content-Type"), "body: %s", a.body)
	var p wire.Problem
	require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxSmallBody, &p))
	assert.Equal(t, a.status, p.Status, "the problem repeats the HTTP status")
	return p
}

func call(t *testing.T, method, url, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, resp.Header, b}
}

func push(t *testing.T, h *hubtest.Hub, token, bench string, events ...wire.Event) answer {
	t.Helper()
	return call(t, http.MethodPost, h.URL+"/v1/events", token, wire.PushRequest{Bench: bench, Events: events})
}

func results(t *testing.T, a answer) []wire.EventResult {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	var r wire.PushResponse
	require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxPushBytes, &r))
	return r.Results
}

func received(t *testing.T, seq int64, tradeIn intake.TradeIn, bench string, at time.Time) wire.Event {
	t.Helper()
	key := uuid.NewString()
	r := intake.Receipt{TradeInID: tradeIn.ID, IMEI: tradeIn.IMEI, Operator: tech, Bench: bench, At: at, EventKey: key}
	payload, err := json.Marshal(r)
	require.NoError(t, err)
	return wire.Event{Seq: seq, Key: key, Kind: intake.EventReceived, TradeInID: tradeIn.ID, Operator: tech, Bench: bench, At: at, Payload: payload}
}

func tradeInOf(t *testing.T, h *hubtest.Hub, n int) intake.TradeIn {
	t.Helper()
	ti, err := h.TradeIn(context.Background(), fmt.Sprintf("ti-%08d", n))
	require.NoError(t, err)
	return ti
}

func TestEnrollmentCodeIsSingleUseAndNamesItsBench(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	code := h.Code(t, "bench-1")

	a := call(t, http.MethodPost, h.URL+"/v1/enroll", "", wire.EnrollRequest{Code: code, Bench: "bench-2"})
	assert.Equal(t, wire.CodeEnrollmentInvalid, a.problem(t).Code, "a code is for the bench it was made for")

	// Typed in lower case without dashes, as an operator might.
	a = call(t, http.MethodPost, h.URL+"/v1/enroll", "", wire.EnrollRequest{Code: strings.ToLower(strings.ReplaceAll(code, "-", "")), Bench: "bench-1"})
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)
	var resp wire.EnrollResponse
	require.NoError(t, json.Unmarshal(a.body, &resp))
	assert.Equal(t, "bench-1", resp.Bench)
	assert.ElementsMatch(t, wire.BenchScopes, resp.Scopes)
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, h.URL+"/v1/changes?limit=1", resp.Token, nil).status)

	a = call(t, http.MethodPost, h.URL+"/v1/enroll", "", wire.EnrollRequest{Code: code, Bench: "bench-1"})
	assert.Equal(t, wire.CodeEnrollmentInvalid, a.problem(t).Code, "a code works once")

	// Enrolling again replaces the old token.
	second := h.Enroll(t, "bench-1")
	assert.Equal(t, wire.CodeBenchRevoked, call(t, http.MethodGet, h.URL+"/v1/changes", resp.Token, nil).problem(t).Code)
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, h.URL+"/v1/changes?limit=1", second, nil).status)
}

func TestExpiredEnrollmentCode(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Now: func() time.Time { return now }}})
	code := h.Code(t, "bench-1")
	now = now.Add(2 * time.Hour)
	a := call(t, http.MethodPost, h.URL+"/v1/enroll", "", wire.EnrollRequest{Code: code, Bench: "bench-1"})
	assert.Equal(t, wire.CodeEnrollmentInvalid, a.problem(t).Code)
}

func TestAuthentication(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 1})
	readOnly := h.Enroll(t, "reader", wire.ScopeCatalogRead)
	revoked := h.Enroll(t, "gone")
	require.NoError(t, h.RevokeBench(context.Background(), "gone"))
	event := received(t, 1, tradeInOf(t, h, 1), "reader", time.Now())

	tests := []struct {
		name, token, method, path string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "", http.MethodGet, "/v1/changes", nil, http.StatusUnauthorized, wire.CodeUnauthorized},
		{"unknown token", "ibt_nope", http.MethodGet, "/v1/changes", nil, http.StatusUnauthorized, wire.CodeUnauthorized},
		{"revoked", revoked, http.MethodGet, "/v1/changes", nil, http.StatusUnauthorized, wire.CodeBenchRevoked},
		{"missing scope", readOnly, http.MethodPost, "/v1/events", wire.PushRequest{Bench: "reader", Events: []wire.Event{event}}, http.StatusForbidden, wire.CodeInsufficientScope},
		{"missing photo scope", readOnly, http.MethodPut, "/v1/blobs/" + strings.Repeat("0", 64), []byte("x"), http.StatusForbidden, wire.CodeInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, tt.method, h.URL+tt.path, tt.token, tt.body)
			assert.Equal(t, tt.status, a.status)
			assert.Equal(t, tt.code, a.problem(t).Code)
			if tt.status == http.StatusUnauthorized {
				assert.Contains(t, a.header.Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
}

func TestPushIdempotencyAndSequence(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 5})
	token := h.Enroll(t, "b1")
	now := time.Now().UTC()
	e1 := received(t, 1, tradeInOf(t, h, 1), "b1", now)

	r := results(t, push(t, h, token, "b1", e1))
	require.Len(t, r, 1)
	assert.Equal(t, wire.StatusApplied, r[0].Status)

	t.Run("the same event again is a duplicate of the applied one", func(t *testing.T) {
		r := results(t, push(t, h, token, "b1", e1))
		assert.Equal(t, wire.StatusDuplicate, r[0].Status)
		assert.Equal(t, wire.StatusApplied, r[0].Original)
	})
	t.Run("the same key with another body is 422", func(t *testing.T) {
		changed := e1
		changed.At = now.Add(time.Minute)
		p := push(t, h, token, "b1", changed).problem(t)
		assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
		assert.Equal(t, wire.CodeIdempotencyKeyReused, p.Code)
		assert.Equal(t, e1.Key, p.Key)
	})
	t.Run("a gap is 409 with the expected sequence", func(t *testing.T) {
		p := push(t, h, token, "b1", received(t, 3, tradeInOf(t, h, 3), "b1", now)).problem(t)
		assert.Equal(t, http.StatusConflict, p.Status)
		assert.Equal(t, wire.CodeSequenceGap, p.Code)
		assert.EqualValues(t, 2, p.ExpectedSeq)
	})
	t.Run("another event at a taken sequence is 409 conflict", func(t *testing.T) {
		p := push(t, h, token, "b1", received(t, 1, tradeInOf(t, h, 2), "b1", now)).problem(t)
		assert.Equal(t, wire.CodeSequenceConflict, p.Code)
		assert.EqualValues(t, 2, p.ExpectedSeq)
	})
	t.Run("a rejected event takes its sequence and replays as rejected", func(t *testing.T) {
		bogus := received(t, 2, tradeInOf(t, h, 2), "b1", now)
		bogus.TradeInID = "ti-missing"
		r := results(t, push(t, h, token, "b1", bogus))
		assert.Equal(t, wire.StatusRejected, r[0].Status)
		assert.Equal(t, wire.RejectUnknownTradeIn, r[0].Code)

		next := received(t, 3, tradeInOf(t, h, 3), "b1", now)
		r = results(t, push(t, h, token, "b1", bogus, next))
		assert.Equal(t, wire.StatusDuplicate, r[0].Status)
		assert.Equal(t, wire.StatusRejected, r[0].Original)
		assert.Equal(t, wire.RejectUnknownTradeIn, r[0].Code, "the first answer's code is repeated")
		assert.Equal(t, wire.StatusApplied, r[1].Status)
	})
	t.Run("a push names its own bench", func(t *testing.T) {
		p := push(t, h, token, "b2", received(t, 4, tradeInOf(t, h, 4), "b2", now)).problem(t)
		assert.Equal(t, wire.CodeBenchMismatch, p.Code)
	})
	t.Run("a malformed push is 400 and changes nothing", func(t *testing.T) {
		a := call(t, http.MethodPost, h.URL+"/v1/events", token, []byte(`{"bench":"b1","events":[{"seq":"four"}]}`))
		assert.Equal(t, wire.CodeInvalidRequest, a.problem(t).Code)
		a = call(t, http.MethodPost, h.URL+"/v1/events", token, wire.PushRequest{Bench: "b1", Events: []wire.Event{
			received(t, 4, tradeInOf(t, h, 4), "b1", now), received(t, 6, tradeInOf(t, h, 5), "b1", now)}})
		assert.Contains(t, a.problem(t).Detail, "consecutive")
		r := results(t, push(t, h, token, "b1", received(t, 4, tradeInOf(t, h, 4), "b1", now)))
		assert.Equal(t, wire.StatusApplied, r[0].Status, "the stream still expects 4")
	})
}

func TestTheHubIsTheOnlyArbiter(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 1})
	a, b := h.Enroll(t, "bench-a"), h.Enroll(t, "bench-b")
	ti := tradeInOf(t, h, 1)
	first := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

	require.Equal(t, wire.StatusApplied, results(t, push(t, h, a, "bench-a", received(t, 1, ti, "bench-a", first)))[0].Status)
	r := results(t, push(t, h, b, "bench-b", received(t, 1, ti, "bench-b", first.Add(time.Minute))))[0]
	assert.Equal(t, wire.StatusRejected, r.Status)
	assert.Equal(t, wire.RejectAlreadyReceived, r.Code)
	require.NotNil(t, r.Receipt)
	assert.Equal(t, "bench-a", r.Receipt.Bench)
	assert.Equal(t, tech, r.Receipt.Operator)
	assert.True(t, first.Equal(r.Receipt.At))
	for _, want := range []string{"bench-a", tech, first.Format(time.RFC3339)} {
		assert.Contains(t, r.Detail, want, "the conflict names the first receipt")
	}
	require.NotNil(t, r.TradeIn)
	assert.Equal(t, intake.StatusReceived, r.TradeIn.Status, "the rejection carries the state that won")
}

func inspection(screen intake.Severity) intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 90}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	in.Cosmetic[intake.ZoneScreen] = screen
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	return in
}

func event(t *testing.T, seq int64, kind intake.EventKind, ti intake.TradeIn, bench string, payload any) wire.Event {
	t.Helper()
	b, err := json.Marshal(payload)
	require.NoError(t, err)
	return wire.Event{Seq: seq, Key: uuid.NewString(), Kind: kind, TradeInID: ti.ID, Operator: tech, Bench: bench, At: time.Now(), Payload: b}
}

func TestGradingAndRerouteFollowTheStatusMachine(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 2})
	a, b := h.Enroll(t, "bench-a"), h.Enroll(t, "bench-b")
	ti := tradeInOf(t, h, 1)
	in := inspection(intake.SeverityCracked)
	grade, err := intake.ComputeGrade(in)
	require.NoError(t, err)
	decision := intake.DecideOnArrival(ti, grade)
	require.True(t, decision.Reroute, "a cracked screen is worse than any disclosed condition of the demo data")
	grading := intake.Grading{TradeInID: ti.ID, Operator: tech, Bench: "bench-a", At: time.Now(), Inspection: in, Grade: grade, Decision: decision}
	forged := grading
	forged.Grade.Condition = intake.ConditionExcellent

	r := results(t, push(t, h, a, "bench-a", event(t, 1, intake.EventGraded, ti, "bench-a", grading)))
	assert.Equal(t, wire.RejectNotReceivedHere, r[0].Code, "grading needs a receipt")
	r = results(t, push(t, h, a, "bench-a",
		received(t, 2, ti, "bench-a", time.Now()),
		event(t, 3, intake.EventGraded, ti, "bench-a", forged),
		event(t, 4, intake.EventGraded, ti, "bench-a", grading),
		event(t, 5, intake.EventRerouted, ti, "bench-a", decision),
		event(t, 6, "tradein.teleported", ti, "bench-a", decision),
	))
	codes := make([]string, len(r))
	for i, res := range r {
		codes[i] = string(res.Status) + ":" + res.Code
	}
	assert.Equal(t, []string{"applied:", "rejected:" + wire.RejectGradeMismatch, "applied:", "applied:", "rejected:" + wire.RejectUnknownKind}, codes)
	r = results(t, push(t, h, b, "bench-b", event(t, 1, intake.EventGraded, ti, "bench-b", grading)))
	assert.Equal(t, wire.RejectNotReceivedHere, r[0].Code, "only the receiving bench grades")

	got, err := h.TradeIn(context.Background(), ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusInspected, got.Status)
	require.NotNil(t, got.Receipt)
	assert.Equal(t, "bench-a", got.Receipt.Bench)
}

func TestAppliedEventsReachTheSinkAndTheChangeLog(t *testing.T) {
	sink := &recordingSink{}
	h := hubtest.New(t, hubtest.Config{TradeIns: 3, Hub: hub.Config{Outbox: sink}})
	token := h.Enroll(t, "b1")
	page := pull(t, h, token, "", 1000)
	require.False(t, page.HasMore)

	ti := tradeInOf(t, h, 2)
	results(t, push(t, h, token, "b1", received(t, 1, ti, "b1", time.Now())))
	next := pull(t, h, token, page.NextCursor, 1000)
	require.Len(t, next.Changes, 1, "the receipt is one change")
	c := next.Changes[0]
	assert.Equal(t, wire.EntityTradeIn, c.Entity)
	assert.Equal(t, intake.StatusReceived, c.TradeIn.Status)
	assert.Equal(t, "b1", c.TradeIn.Receipt.Bench)

	require.Len(t, sink.events, 1)
	assert.Equal(t, string(intake.EventReceived), sink.kinds[0])
	assert.Equal(t, ti.ID, sink.events[0].TradeIn.ID)
	assert.Equal(t, intake.StatusReceived, sink.events[0].TradeIn.Status)
}

type recordingSink struct {
	mu     sync.Mutex
	kinds  []string
	events []hub.AppliedEvent
}

func (s *recordingSink) Wake() {}

func (s *recordingSink) PublishTx(_ context.Context, _ *hubdb.Tx, kind string, payload any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kinds = append(s.kinds, kind)
	s.events = append(s.events, payload.(hub.AppliedEvent))
	return nil
}

func pull(t *testing.T, h *hubtest.Hub, token, cursor string, limit int) wire.ChangesPage {
	t.Helper()
	a := call(t, http.MethodGet, h.URL+"/v1/changes?limit="+strconv.Itoa(limit)+"&cursor="+cursor, token, nil)
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	var p wire.ChangesPage
	require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxPageBytes, &p), "the hub's page passes the bench's checks")
	return p
}

// TestPullNeverSkipsAChange pages through the log with small pages while
// another goroutine keeps changing trade-ins; replaying the pages must give
// exactly the hub's final state.
func TestPullNeverSkipsAChange(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 300, Unlimited: true})
	token := h.Enroll(t, "reader")
	ctx := context.Background()
	done := make(chan struct{})
	defer func() { <-done }()
	go func() {
		defer close(done)
		for i := range 200 {
			ti, err := h.TradeIn(ctx, fmt.Sprintf("ti-%08d", 1+(i*7)%300))
			if err != nil {
				t.Error(err)
				return
			}
			ti.Offer += intake.Cents(i + 1)
			ti.Customer.Name = fmt.Sprintf("Edit %d", i)
			if err := h.PutTradeIns(ctx, []intake.TradeIn{ti}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	seen := map[string]intake.TradeIn{}
	cursor := ""
	writing := true
	for writing || cursor == "" {
		select {
		case <-done:
			writing = false
		default:
		}
		for {
			p := pull(t, h, token, cursor, 17)
			for _, c := range p.Changes {
				if c.Entity == wire.EntityTradeIn {
					seen[c.ID] = *c.TradeIn
				}
			}
			cursor = p.NextCursor
			if !p.HasMore {
				break
			}
		}
	}
	require.Len(t, seen, 300)
	for id, got := range seen {
		want, err := h.TradeIn(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want.Offer, got.Offer, id)
		assert.Equal(t, want.Customer.Name, got.Customer.Name, id)
	}
}

func TestCursorExpiry(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 20})
	token := h.Enroll(t, "b1")
	ctx := context.Background()
	first := pull(t, h, token, "", 1000)

	require.NoError(t, h.DeleteOperators(ctx, []string{"op-clerk-1"}))
	afterDelete := pull(t, h, token, first.NextCursor, 1000)
	require.Len(t, afterDelete.Changes, 1)
	assert.Equal(t, wire.OpDelete, afterDelete.Changes[0].Op)

	removed, err := h.CompactChanges(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.EqualValues(t, 1, removed)

	a := call(t, http.MethodGet, h.URL+"/v1/changes?cursor="+first.NextCursor, token, nil)
	assert.Equal(t, http.StatusGone, a.status)
	assert.Equal(t, wire.CodeCursorExpired, a.problem(t).Code)
	assert.Empty(t, pull(t, h, token, afterDelete.NextCursor, 1000).Changes, "a cursor past the horizon still works")
	fresh := pull(t, h, token, "", 1000)
	for _, c := range fresh.Changes {
		assert.NotEqual(t, "op-clerk-1", c.ID, "a fresh pull holds no tombstone it does not need")
	}

	_, seq, _ := strings.Cut(first.NextCursor, ".")
	a = call(t, http.MethodGet, h.URL+"/v1/changes?cursor=0123456789ab."+seq, token, nil)
	assert.Equal(t, wire.CodeCursorExpired, a.problem(t).Code, "a cursor of another hub database is expired")
	a = call(t, http.MethodGet, h.URL+"/v1/changes?cursor=garbage", token, nil)
	assert.Equal(t, wire.CodeInvalidCursor, a.problem(t).Code)
	a = call(t, http.MethodGet, h.URL+"/v1/changes?limit=-3", token, nil)
	assert.Equal(t, wire.CodeInvalidRequest, a.problem(t).Code)
}

// TestFullReadThroughACompactedLog pages from the start of a log compacted
// before the read began: a bench enrolled after a compaction must be able to
// pull. A compaction during the read expires it.
func TestFullReadThroughACompactedLog(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 20})
	token := h.Enroll(t, "late")
	ctx := context.Background()
	compactAfterDeleting := func(operator string) {
		t.Helper()
		require.NoError(t, h.DeleteOperators(ctx, []string{operator}))
		removed, err := h.CompactChanges(ctx, time.Now().Add(time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 1, removed)
	}
	compactAfterDeleting("op-clerk-1") // the horizon is now past every trade-in

	seen := map[string]bool{}
	pages := 0
	for cursor := ""; ; pages++ {
		p := pull(t, h, token, cursor, 5)
		for _, c := range p.Changes {
			if c.Entity == wire.EntityTradeIn {
				seen[c.ID] = true
			}
		}
		if cursor = p.NextCursor; !p.HasMore {
			break
		}
	}
	assert.Len(t, seen, 20, "every trade-in, in %d pages behind the horizon", pages)
	assert.Greater(t, pages, 3)

	halfway := pull(t, h, token, "", 5).NextCursor
	compactAfterDeleting("op-super-1")
	a := call(t, http.MethodGet, h.URL+"/v1/changes?limit=5&cursor="+halfway, token, nil)
	assert.Equal(t, http.StatusGone, a.status, "a compaction during a full read may hide a deletion from it")
	assert.Equal(t, wire.CodeCursorExpired, a.problem(t).Code)

	instance, rest, _ := strings.Cut(halfway, ".")
	seq, _, _ := strings.Cut(rest, ".")
	a = call(t, http.MethodGet, h.URL+"/v1/changes?cursor="+instance+"."+seq, token, nil)
	assert.Equal(t, wire.CodeCursorExpired, a.problem(t).Code, "a cursor without its start horizon, behind the horizon")
	a = call(t, http.MethodGet, h.URL+"/v1/changes?cursor="+instance+".99999", token, nil)
	assert.Equal(t, wire.CodeCursorExpired, a.problem(t).Code,
		"a cursor from before views, past the horizon: its bench may hold what its scopes no longer show")
	a = call(t, http.MethodGet, h.URL+"/v1/changes?cursor="+instance+"."+seq+".x", token, nil)
	assert.Equal(t, wire.CodeInvalidCursor, a.problem(t).Code)
}

func TestPageLimitIsCapped(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 1200})
	token := h.Enroll(t, "b1")
	p := pull(t, h, token, "", 5000)
	assert.Len(t, p.Changes, wire.MaxPageChanges)
	assert.True(t, p.HasMore)
	a := call(t, http.MethodGet, h.URL+"/v1/changes", token, nil)
	require.Equal(t, http.StatusOK, a.status)
	require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxPageBytes, &p))
	assert.Len(t, p.Changes, wire.DefaultPageLimit, "no limit means the default")
}

func TestIMEICheck(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	token := h.Enroll(t, "b1")
	since := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, h.PutFlags(context.Background(), []hub.RegistryEntry{
		{Flag: intake.Flag{IMEI: "353918050000005", Kind: intake.FlagBlacklisted, Reason: "reported stolen", Since: since}},
		{Flag: intake.Flag{IMEI: "490154203237518", Kind: intake.FlagFinanceLocked, Reason: "instalments due", Since: since}, Balance: 31250},
	}))
	tests := []struct {
		imei    string
		status  wire.IMEIStatus
		balance intake.Cents
		reason  string
	}{
		{"356938035643809", wire.IMEIClean, 0, ""},
		{"353918050000005", wire.IMEIBlacklisted, 0, "reported stolen"},
		{"490154203237518", wire.IMEIFinanceLocked, 31250, "instalments due"},
	}
	for _, tt := range tests {
		t.Run(tt.imei, func(t *testing.T) {
			a := call(t, http.MethodGet, h.URL+"/v1/imei/"+tt.imei, token, nil)
			require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
			var c wire.IMEICheck
			require.NoError(t, wire.Decode(bytes.NewReader(a.body), wire.MaxSmallBody, &c))
			assert.Equal(t, tt.status, c.Status)
			assert.Equal(t, tt.balance, c.Balance)
			assert.Equal(t, tt.reason, c.Reason)
		})
	}
	a := call(t, http.MethodGet, h.URL+"/v1/imei/356938035643808", token, nil)
	assert.Equal(t, wire.CodeInvalidIMEI, a.problem(t).Code, "a wrong check digit")
}

func TestBlobs(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	token := h.Enroll(t, "b1")
	photo := pngPhoto(t, 40, 30, 0)
	sum := sha256.Sum256(photo)
	name := hex.EncodeToString(sum[:])

	assert.Equal(t, http.StatusCreated, call(t, http.MethodPut, h.URL+"/v1/blobs/"+name, token, photo).status)
	assert.Equal(t, http.StatusNoContent, call(t, http.MethodPut, h.URL+"/v1/blobs/"+name, token, photo).status, "the same content again is fine")
	stored, _, err := h.Blob(context.Background(), name)
	require.NoError(t, err)
	assert.Equal(t, photo, stored)

	a := call(t, http.MethodPut, h.URL+"/v1/blobs/"+name, token, append(photo, '!'))
	assert.Equal(t, wire.CodeHashMismatch, a.problem(t).Code)
	big := make([]byte, wire.MaxBlobBytes+1)
	bigSum := sha256.Sum256(big)
	a = call(t, http.MethodPut, h.URL+"/v1/blobs/"+hex.EncodeToString(bigSum[:]), token, big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.status)
	assert.Equal(t, wire.CodePayloadTooLarge, a.problem(t).Code)
	a = call(t, http.MethodPut, h.URL+"/v1/blobs/NOTAHASH", token, photo)
	assert.Equal(t, wire.CodeInvalidRequest, a.problem(t).Code)
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{Server: []hub.ServerOption{hub.WithRateLimit(0.5, 2)}})
	token := h.Enroll(t, "b1")
	other := h.Enroll(t, "b2")
	var last answer
	for range 3 {
		last = call(t, http.MethodGet, h.URL+"/v1/changes?limit=1", token, nil)
	}
	assert.Equal(t, http.StatusTooManyRequests, last.status)
	assert.Equal(t, wire.CodeRateLimited, last.problem(t).Code)
	secs, err := strconv.Atoi(last.header.Get("Retry-After"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, secs, 1)
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, h.URL+"/v1/changes?limit=1", other, nil).status, "buckets are per bench")
}

func TestOverloadedAnswers503WithRetryAfter(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 1, Server: []hub.ServerOption{hub.WithMaxQueuedWrites(0)}})
	token := h.Enroll(t, "b1")
	a := push(t, h, token, "b1", received(t, 1, tradeInOf(t, h, 1), "b1", time.Now()))
	assert.Equal(t, http.StatusServiceUnavailable, a.status)
	assert.Equal(t, wire.CodeOverloaded, a.problem(t).Code)
	assert.Equal(t, "1", a.header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, h.URL+"/v1/changes?limit=1", token, nil).status, "reads go on")
}

func TestUnknownRoutesAnswerProblems(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	a := call(t, http.MethodGet, h.URL+"/v2/nothing", "", nil)
	assert.Equal(t, wire.CodeNotFound, a.problem(t).Code)
	a = call(t, http.MethodDelete, h.URL+"/v1/events", "", nil)
	assert.Equal(t, wire.CodeMethodNotAllowed, a.problem(t).Code)
	assert.Equal(t, "POST", a.header.Get("Allow"))
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	a := call(t, http.MethodGet, h.URL+"/openapi.yaml", "", nil)
	require.Equal(t, http.StatusOK, a.status)
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(a.body, &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."))
	for _, p := range benchrelease.Patterns { // mounted by intakehub serve --bench-release
		h.Server.Mount(p, http.NotFoundHandler())
	}
	routes := h.Server.Routes()
	require.NotEmpty(t, routes)
	for _, r := range routes {
		method, path, ok := strings.Cut(r, " ")
		require.True(t, ok, "route %q has a method", r)
		ops, ok := doc.Paths[path]
		if assert.True(t, ok, "openapi.yaml lacks path %s", path) {
			assert.Contains(t, ops, strings.ToLower(method), "openapi.yaml lacks %s", r)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	ctx := context.Background()
	key, err := h.CreateAPIKey(ctx, []string{wire.ScopeBuybackRead, wire.ScopeBuybackWrite})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(key, "spk_live_"))
	scopes, err := h.VerifyAPIKey(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, []string{wire.ScopeBuybackRead, wire.ScopeBuybackWrite}, scopes)
	for _, bad := range []string{"", "spk_live_nope", key + "x", "ibt_" + key[9:]} {
		_, err := h.VerifyAPIKey(ctx, bad)
		assert.ErrorIs(t, err, hub.ErrUnauthorized, bad)
	}
	_, err = h.CreateAPIKey(ctx, []string{"root"})
	assert.ErrorContains(t, err, "unknown scope")
}
