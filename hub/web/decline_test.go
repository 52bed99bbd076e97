package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// TestStaffDeclineWithAReason is seed 001's "decline with a reason" on
// the dashboard: refused without the session's token or with a reason not
// on the list, and then done, with the reason in the history and on the
// buyer's status page.
func TestStaffDeclineWithAReason(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, statusPath := e.submitted()
	staffC, p := e.login(supervisor, superPIN)
	require.Equal(t, http.StatusSeeOther, p.status)

	d := e.get(staffC, "/dashboard/trade-ins/"+id)
	require.Equal(t, http.StatusOK, d.status)
	assert.Contains(t, d.body, `action="/dashboard/trade-ins/`+id+`/decline"`)
	assert.Contains(t, d.body, `<option value="account_locked">The device is still locked to an account</option>`)
	token := csrf(t, d)
	decline := url.Values{"reason": {"account_locked"}, "decline_notes": {"Find My iPhone is still on"}}

	unchanged := func(t *testing.T) {
		t.Helper()
		v, err := e.hub.Submission(ctx, "", id)
		require.NoError(t, err)
		assert.Equal(t, intake.StatusSubmitted, v.TradeIn.Status)
		assert.Equal(t, intake.StatusSubmitted, v.History[len(v.History)-1].To)
	}

	t.Run("without the session's CSRF token nothing changes", func(t *testing.T) {
		for _, bad := range []string{"", "forged"} {
			p := e.post(staffC, "/dashboard/trade-ins/"+id+"/decline", with(decline, "csrf", []string{bad}))
			require.Equal(t, http.StatusForbidden, p.status)
			assert.Contains(t, p.body, "This form is not from your session")
		}
		p := e.post(staffC, "/dashboard/trade-ins/"+id+"/decline", decline)
		require.Equal(t, http.StatusForbidden, p.status, "no token at all")
		unchanged(t)
	})

	t.Run("a reason not on the list is refused beside the form", func(t *testing.T) {
		p := e.post(staffC, "/dashboard/trade-ins/"+id+"/decline", with(with(decline, "csrf", []string{token}), "reason", []string{"too ugly"}))
		require.Equal(t, http.StatusUnprocessableEntity, p.status)
		assert.Contains(t, p.body, `id="decline-msg">&#34;too ugly&#34; is not a reason to decline: give one of imei_flagged, not_bought, condition, account_locked, duplicate, no_response, other.</p>`)
		assert.Contains(t, p.body, "Find My iPhone is still on", "the notes typed are kept")
		unchanged(t)
	})

	p = e.post(staffC, "/dashboard/trade-ins/"+id+"/decline", with(decline, "csrf", []string{token}))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	d = e.get(staffC, p.header.Get("Location"))
	require.Equal(t, http.StatusOK, d.status)
	assert.Contains(t, d.body, "Trade-in declined: its status page tells the customer why.")
	assert.Contains(t, d.body, "submitted → declined <span class=\"who\">by operator:op-super-1</span>: The device is still locked to an account: Find My iPhone is still on")

	v, err := e.hub.Submission(ctx, "", id)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusDeclined, v.TradeIn.Status)
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusSubmitted, To: intake.StatusDeclined, Actor: "operator:op-super-1",
		Reason: "The device is still locked to an account: Find My iPhone is still on", At: e.clock.Now()}, v.History[len(v.History)-1])

	st := e.get(e.client(), statusPath)
	require.Equal(t, http.StatusOK, st.status)
	assert.Contains(t, st.body, "The device is still locked to an account: Find My iPhone is still on")
}

// accepted has staff quote the buyer's trade-in $340.00 and the buyer
// accept it, and returns its id.
func (e *env) accepted() string {
	e.t.Helper()
	ctx := context.Background()
	id, _ := e.submitted()
	o, err := e.hub.SendOffer(ctx, hub.Actor{Kind: "operator", ID: supervisor}, hub.OfferInput{SubmissionID: id, Amount: 34000,
		ExpiresAt: e.clock.Now().Add(7 * 24 * time.Hour)})
	require.NoError(e.t, err)
	_, err = e.hub.AnswerOffer(ctx, "", o.ID, true, "")
	require.NoError(e.t, err)
	_, err = e.hub.Receive(ctx, hub.Actor{Kind: "admin"}, id)
	require.NoError(e.t, err)
	return id
}

func TestDecliningACompletedTradeInAnswersItsStatus(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.accepted()
	_, _, err := e.hub.Inspect(ctx, hub.Actor{Kind: "admin"}, id, intake.ConditionGood, "")
	require.NoError(t, err)
	staffC, _ := e.login(supervisor, superPIN)
	d := e.get(staffC, "/dashboard/trade-ins/"+id)
	require.Equal(t, http.StatusOK, d.status)
	assert.NotContains(t, d.body, "/decline\"", "a completed trade-in offers no decline")

	p := e.post(staffC, "/dashboard/trade-ins/"+id+"/decline", url.Values{"csrf": {csrf(t, d)}, "reason": {"duplicate"}})
	require.Equal(t, http.StatusConflict, p.status)
	assert.Contains(t, p.body, `id="decline-msg">Trade-in TI-2024-000001 is completed: it cannot become declined.</p>`)
	v, err := e.hub.Submission(ctx, "", id)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusCompleted, v.TradeIn.Status)
	assert.Equal(t, intake.PayoutDue, v.Payout.State)
}

// TestReroutesWaitingForASupervisor: a device inspected worse than
// disclosed is listed for the supervisors, read-only, and is not declined
// from the dashboard.
func TestReroutesWaitingForASupervisor(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	staffC, _ := e.login(supervisor, superPIN)
	r := e.get(staffC, "/dashboard/reviews")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, "No reroutes are waiting.")

	id := e.accepted()
	_, d, err := e.hub.Inspect(ctx, hub.Actor{Kind: "admin"}, id, intake.ConditionPoor, "cracked back glass")
	require.NoError(t, err)
	require.True(t, d.Reroute)

	r = e.get(staffC, "/dashboard/reviews")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, `<a href="/dashboard/trade-ins/`+id+`">TI-2024-000001</a> · Apple iPhone 13`)
	assert.Contains(t, r.body, "Disclosed good, inspected at the hub as worse. Rerouted.")
	assert.Contains(t, r.body, `aria-current="page">Reroutes</a>`)
	assert.NotContains(t, r.body, "<form method=\"post\" action=\"/dashboard/trade-ins", "the list is read-only")

	detail := e.get(staffC, "/dashboard/trade-ins/"+id)
	require.Equal(t, http.StatusOK, detail.status)
	assert.NotContains(t, detail.body, "/decline\"", "a supervisor decides a reroute at a bench")
	p := e.post(staffC, "/dashboard/trade-ins/"+id+"/decline", url.Values{"csrf": {csrf(t, detail)}, "reason": {"condition"}})
	require.Equal(t, http.StatusConflict, p.status)
	assert.Contains(t, p.body, "waits for a supervisor&#39;s decision at a bench: decline it there.")
	assert.Equal(t, intake.StatusInspected, e.statusOf(id))
}

func (e *env) statusOf(id string) intake.Status {
	e.t.Helper()
	ti, err := e.hub.TradeIn(context.Background(), id)
	require.NoError(e.t, err)
	return ti.Status
}

// TestDecliningAnOfferedTradeInWithdrawsTheOffer: the e-mailed offer can
// no longer be accepted, and the buyer's status page says it was
// withdrawn, not that they declined it.
func TestDecliningAnOfferedTradeInWithdrawsTheOffer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, statusPath := e.submitted()
	o, err := e.hub.SendOffer(ctx, hub.Actor{Kind: "operator", ID: supervisor}, hub.OfferInput{SubmissionID: id, Amount: 34000,
		ExpiresAt: e.clock.Now().Add(7 * 24 * time.Hour)})
	require.NoError(t, err)
	staffC, _ := e.login(supervisor, superPIN)
	d := e.get(staffC, "/dashboard/trade-ins/"+id)
	p := e.post(staffC, "/dashboard/trade-ins/"+id+"/decline", url.Values{"csrf": {csrf(t, d)}, "reason": {"no_response"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)

	st := e.get(e.client(), statusPath)
	require.Equal(t, http.StatusOK, st.status)
	assert.Contains(t, st.body, "We withdrew our offer of $340.00.")
	assert.Contains(t, st.body, "The customer did not respond")
	_, err = e.hub.AnswerOffer(ctx, "", o.ID, true, "")
	var refused *hub.Error
	require.ErrorAs(t, err, &refused)
	assert.Equal(t, hub.CodeOfferClosed, refused.Code)
	assert.Equal(t, intake.StatusDeclined, e.statusOf(id))
}
