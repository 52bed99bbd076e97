package hub_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// A supervisor's authority is proven to the hub, never claimed by a bench:
// a decision needs the hub's grant of the supervisor's session at this
// bench and the session's signature of the event.
func TestSupervisorAuthorityIsProven(t *testing.T) {
	override := func(t *testing.T, b *benchClient, ti intake.TradeIn) wire.Event {
		t.Helper()
		return b.newEventAs(t, intake.EventOverrideAccepted, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideOverride, opSupervisor))
	}
	for _, tt := range []struct {
		name  string
		spoil func(t *testing.T, b, other *benchClient, ev *wire.Event)
	}{
		{"an override naming a supervisor, without a grant", func(t *testing.T, b, other *benchClient, ev *wire.Event) {}},
		{"another bench's grant", func(t *testing.T, b, other *benchClient, ev *wire.Event) {
			b.sign(t, ev, other.supervisorSession(t))
		}},
		{"a grant with a signature by another key", func(t *testing.T, b, other *benchClient, ev *wire.Event) {
			_, stranger, err := intake.NewSessionKey()
			require.NoError(t, err)
			b.sign(t, ev, intake.NewSession(b.supervisorSession(t).Grant, stranger))
		}},
		{"a signed event whose payload was changed after", func(t *testing.T, b, other *benchClient, ev *wire.Event) {
			b.sign(t, ev, b.supervisorSession(t))
			ev.Payload = bytes.Replace(ev.Payload, []byte("customer called"), []byte("customer shouted"), 1)
		}},
		{"a grant made up by the bench", func(t *testing.T, b, other *benchClient, ev *wire.Event) {
			s := b.supervisorSession(t)
			b.sign(t, ev, s)
			ev.Grant = ev.Grant[:len(ev.Grant)-4] + "AAAA"
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := hubtest.New(t, hubtest.Config{})
			other := enrollBench(t, h, "bench-2")
			b := enrollBench(t, h, "bench-1")
			ti := b.reroutedHere(t, "ti-1", testIMEI(t, 1))
			before := b.top(t)
			ev := override(t, b, ti)
			tt.spoil(t, b, other, &ev)
			r := b.push(t, ev)[0]
			assert.Equal(t, "rejected", string(r.Status))
			assert.Equal(t, "supervisor_grant_required", r.Code, r.Detail)
			assert.Equal(t, "inspected", statusOf(t, h, ti.ID), "nothing was decided")
			b.assertNoChangeSince(t, before)
		})
	}

	t.Run("the supervisor's own session decides", func(t *testing.T) {
		h := hubtest.New(t, hubtest.Config{})
		b := enrollBench(t, h, "bench-1")
		ti := b.reroutedHere(t, "ti-1", testIMEI(t, 1))
		ev := override(t, b, ti)
		b.sign(t, &ev, b.supervisorSession(t))
		r := b.push(t, ev)[0]
		require.Equal(t, "applied", string(r.Status), "%s: %s", r.Code, r.Detail)
		assert.Equal(t, "completed", statusOf(t, h, ti.ID))
	})
}

// The hub grants only a supervisor who proves it with their own PIN or
// badge, and a search of PINs through it soon stops.
func TestGrantsAreForSupervisorsWhoProveIt(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-1")
	for _, tt := range []struct {
		name   string
		req    wire.GrantRequest
		status int
		code   string
	}{
		{"the supervisor's badge", wire.GrantRequest{Operator: opSupervisor, Badge: "BADGE-3001"}, http.StatusCreated, ""},
		{"a wrong PIN", wire.GrantRequest{Operator: opSupervisor, PIN: "333334"}, http.StatusForbidden, "grant_refused"},
		{"another's badge", wire.GrantRequest{Operator: opSupervisor, Badge: "BADGE-1001"}, http.StatusForbidden, "grant_refused"},
		{"a clerk with the right PIN", wire.GrantRequest{Operator: opClerk, PIN: "222222"}, http.StatusForbidden, "grant_refused"},
		{"an unknown operator", wire.GrantRequest{Operator: "op-nobody", PIN: "123456"}, http.StatusForbidden, "grant_refused"},
		{"both PIN and badge", wire.GrantRequest{Operator: opSupervisor, PIN: "333333", Badge: "BADGE-3001"}, http.StatusBadRequest, "invalid_request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := b.askGrant(t, tt.req)
			require.Equal(t, tt.status, a.status, "body: %s", a.body)
			if tt.code != "" {
				assert.Equal(t, tt.code, a.problem(t).Code)
			}
		})
	}

	t.Run("five tries, then wait", func(t *testing.T) {
		b := enrollBench(t, h, "bench-3")
		for i := range 5 {
			a, _ := b.askGrant(t, wire.GrantRequest{Operator: opSupervisor, PIN: "000000"})
			require.Equal(t, http.StatusForbidden, a.status, "try %d", i+1)
		}
		a, _ := b.askGrant(t, wire.GrantRequest{Operator: opSupervisor, PIN: "333333"})
		assert.Equal(t, http.StatusTooManyRequests, a.status, "even the right PIN waits: %s", a.body)
		assert.NotEmpty(t, a.header.Get("Retry-After"))
	})
}

// A supervisor of one site is granted nothing at a bench of another; at a
// bench of no site, or of theirs, they are.
func TestAGrantIsForTheSupervisorsSite(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	ctx := context.Background()
	for _, s := range []hub.SiteInput{{ID: "leeds-wh", Name: "Leeds warehouse", Kind: "warehouse"}, {ID: "soho", Name: "Soho store", Kind: "store"}} {
		_, err := h.CreateSite(ctx, s)
		require.NoError(t, err)
	}
	require.NoError(t, h.AssignOperator(ctx, opSupervisor, "soho"))
	at := func(bench, site string) *benchClient {
		b := enrollBench(t, h, bench)
		if site != "" {
			require.NoError(t, h.AssignBench(ctx, bench, site))
		}
		return b
	}
	req := wire.GrantRequest{Operator: opSupervisor, PIN: "333333"}

	a, _ := at("bench-leeds", "leeds-wh").askGrant(t, req)
	require.Equal(t, http.StatusForbidden, a.status, "body: %s", a.body)
	p := a.problem(t)
	assert.Equal(t, "grant_refused", p.Code)
	assert.Equal(t, "Supervisor op-super-1 works at site soho, not at this bench's site leeds-wh.", p.Detail)
	for _, b := range []*benchClient{at("bench-soho", "soho"), at("bench-any", "")} {
		a, _ := b.askGrant(t, req)
		assert.Equal(t, http.StatusCreated, a.status, "%s: %s", b.name, a.body)
	}
	wrong, _ := at("bench-leeds-2", "leeds-wh").askGrant(t, wire.GrantRequest{Operator: opSupervisor, PIN: "000000"})
	assert.Equal(t, "The operator, PIN or badge is wrong, or the operator is no supervisor.", wrong.problem(t).Detail,
		"a wrong PIN learns nothing of sites")
}
