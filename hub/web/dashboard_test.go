package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/web"
	"github.com/intakebench/intakebench/intake"
)

func TestStaffLogin(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, operator, pin string }{
		{"a wrong PIN", supervisor, "999999"},
		{"an unknown operator", "op-nobody", superPIN},
		{"a clerk", clerk, clerkPIN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, p := e.login(tc.operator, tc.pin)
			require.Equal(t, http.StatusUnauthorized, p.status)
			assert.Contains(t, p.body, "The operator id or the PIN is wrong, or the operator is no supervisor.")
			assert.Empty(t, p.header.Values("Set-Cookie"))
		})
	}

	c := e.client()
	require.Equal(t, http.StatusSeeOther, e.get(c, "/dashboard/trade-ins").status, "the queue needs a login")
	p := e.post(c, "/dashboard/login", url.Values{"operator": {supervisor}, "pin": {superPIN}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	cookie := p.header.Get("Set-Cookie")
	assert.Contains(t, cookie, "HttpOnly")
	assert.Contains(t, cookie, "SameSite=Strict")
	assert.Contains(t, cookie, "Path=/dashboard")
	assert.NotContains(t, cookie, "Secure", "plain HTTP on loopback")
	q := e.get(c, "/dashboard/trade-ins")
	require.Equal(t, http.StatusOK, q.status)
	assert.Contains(t, q.body, "Sam Supervisor")

	// Logging out ends the session in this browser.
	out := e.post(c, "/dashboard/logout", url.Values{"csrf": {csrf(t, q)}})
	require.Equal(t, http.StatusSeeOther, out.status)
	assert.Equal(t, http.StatusSeeOther, e.get(c, "/dashboard/trade-ins").status)

	t.Run("secure cookies", func(t *testing.T) {
		e := newEnv(t, web.WithSecureCookies(true))
		_, p := e.login(supervisor, superPIN)
		require.Equal(t, http.StatusSeeOther, p.status)
		assert.Contains(t, p.header.Get("Set-Cookie"), "Secure")
	})
}

func TestStaffLoginIsRateLimited(t *testing.T) {
	e := newEnv(t, web.WithLimits(5, 30, 3))
	for range 3 {
		_, p := e.login(supervisor, "999999")
		require.Equal(t, http.StatusUnauthorized, p.status)
	}
	_, p := e.login(supervisor, superPIN)
	require.Equal(t, http.StatusTooManyRequests, p.status, "even the right PIN waits")
	assert.Contains(t, p.body, "Too many tries")
}

// submitted has a buyer submit the good form and returns the trade-in's
// id and the buyer's status page path.
func (e *env) submitted() (id, status string) {
	e.t.Helper()
	p := e.post(e.client(), "/trade-in", goodForm())
	require.Equal(e.t, http.StatusSeeOther, p.status, p.body)
	q, err := e.hub.Queue(context.Background(), intake.StatusSubmitted, 10, "")
	require.NoError(e.t, err)
	require.NotEmpty(e.t, q.Items)
	return q.Items[0].ID, strings.TrimSuffix(p.header.Get("Location"), "?new=1")
}

// TestStaffQuoteAndBuyerAccepts is seed 001's flow on the web: a buyer
// submits, staff review it in the queue and Send Quote, the buyer accepts
// by the e-mailed link, and the status page follows.
func TestStaffQuoteAndBuyerAccepts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, statusPath := e.submitted()
	staffC, p := e.login(supervisor, superPIN)
	require.Equal(t, http.StatusSeeOther, p.status)

	q := e.get(staffC, "/dashboard/trade-ins?status=submitted")
	require.Equal(t, http.StatusOK, q.status)
	assert.Contains(t, q.body, `Submitted <span class="n">1</span>`)
	assert.Contains(t, q.body, "TI-2024-000001")
	assert.Contains(t, q.body, "Ada Buyer")

	d := e.get(staffC, "/dashboard/trade-ins/"+id)
	require.Equal(t, http.StatusOK, d.status)
	assert.Contains(t, d.body, "✓ 356938035643809 is clean")
	assert.Contains(t, d.body, "Screen condition light")
	assert.Contains(t, d.body, `value="350.00"`, "the price list's offer for good")
	token := csrf(t, d)

	quote := url.Values{"amount": {"340.00"}, "days": {"7"}, "notes": {"Based on good condition assessment"}}

	t.Run("without the CSRF token nothing is sent", func(t *testing.T) {
		for _, bad := range []string{"", "forged", strings.Replace(token, token[:4], "AAAA", 1)} {
			p := e.post(staffC, "/dashboard/trade-ins/"+id+"/quote", with(quote, "csrf", []string{bad}))
			require.Equal(t, http.StatusForbidden, p.status)
			assert.Contains(t, p.body, "This form is not from your session")
		}
		v, err := e.hub.Submission(ctx, "", id)
		require.NoError(t, err)
		assert.Empty(t, v.Offers)
		assert.Equal(t, intake.StatusSubmitted, v.TradeIn.Status)
	})

	t.Run("another session's token is refused", func(t *testing.T) {
		other, _ := e.login(supervisor, superPIN)
		p := e.post(other, "/dashboard/trade-ins/"+id+"/quote", with(quote, "csrf", []string{token}))
		require.Equal(t, http.StatusForbidden, p.status)
	})

	t.Run("a bad amount is shown beside its field", func(t *testing.T) {
		p := e.post(staffC, "/dashboard/trade-ins/"+id+"/quote", with(with(quote, "csrf", []string{token}), "amount", []string{"lots"}))
		require.Equal(t, http.StatusUnprocessableEntity, p.status)
		assert.Contains(t, p.body, "Type the offer in dollars and cents, such as 350.00.")
		p = e.post(staffC, "/dashboard/trade-ins/"+id+"/quote", with(with(quote, "csrf", []string{token}), "amount", []string{"0.00"}))
		require.Equal(t, http.StatusUnprocessableEntity, p.status)
		assert.Contains(t, p.body, "An offer of 0.00 is not between 0.01 and")
	})

	p = e.post(staffC, "/dashboard/trade-ins/"+id+"/quote", with(quote, "csrf", []string{token}))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	d = e.get(staffC, p.header.Get("Location"))
	assert.Contains(t, d.body, "Quote sent: the customer is e-mailed the offer")
	assert.Contains(t, d.body, "$340.00, open, until 22 Jan 2024")

	// The buyer's e-mail, and its accept link.
	_, err := e.hub.DeliverMail(ctx)
	require.NoError(t, err)
	msgs := e.mail.messages()
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0].To, "ada@example.com")
	var accept string
	for _, line := range strings.Fields(msgs[0].Text) {
		if strings.Contains(line, "/respond?token=") && accept == "" {
			accept = line
		}
	}
	require.NotEmpty(t, accept, "no link in %s", msgs[0].Text)
	buyer := e.client()
	shown := e.get(buyer, accept)
	require.Equal(t, http.StatusOK, shown.status)
	assert.Contains(t, shown.body, "$340.00")
	u, err := url.Parse(accept)
	require.NoError(t, err)
	answered := e.post(buyer, u.Path, url.Values{"token": {u.Query().Get("token")}, "action": {"accept"}})
	require.Equal(t, http.StatusOK, answered.status, answered.body)

	st := e.get(buyer, statusPath)
	require.Equal(t, http.StatusOK, st.status)
	assert.Contains(t, st.body, "You accepted $340.00.")
	v, err := e.hub.Submission(ctx, "", id)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusAccepted, v.TradeIn.Status)

	// The device arrives and is inspected as disclosed: the status page
	// says so, and staff settle the payout by hand.
	_, err = e.hub.Receive(ctx, hub.Actor{Kind: "admin"}, id)
	require.NoError(t, err)
	_, _, err = e.hub.Inspect(ctx, hub.Actor{Kind: "admin"}, id, intake.ConditionGood, "")
	require.NoError(t, err)
	st = e.get(buyer, statusPath)
	assert.Contains(t, st.body, "Your phone arrived.")
	assert.Contains(t, st.body, "We checked your phone.")
	assert.Contains(t, st.body, "$340.00 is on its way to you by store-credit.")

	pay := e.get(staffC, "/dashboard/payouts")
	require.Equal(t, http.StatusOK, pay.status)
	assert.Contains(t, pay.body, "TI-2024-000001")
	p = e.post(staffC, "/dashboard/trade-ins/"+id+"/settle", url.Values{"csrf": {csrf(t, pay)}, "reference": {"SC-0001"}, "from": {"payouts"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	st = e.get(buyer, statusPath)
	assert.Contains(t, st.body, "We paid you $340.00 by store-credit.")
	pay = e.get(staffC, "/dashboard/payouts")
	assert.Contains(t, pay.body, "No payouts are waiting.")
}

func TestDashboardEscapesWhatBuyersType(t *testing.T) {
	e := newEnv(t)
	p := e.post(e.client(), "/trade-in", with(goodForm(), "name", []string{`<img src=x onerror=alert(1)>`}))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	staffC, _ := e.login(supervisor, superPIN)
	q := e.get(staffC, "/dashboard/trade-ins")
	require.Equal(t, http.StatusOK, q.status)
	assert.Contains(t, q.body, "&lt;img src=x onerror=alert(1)&gt;")
	assert.NotContains(t, q.body, "<img src=x")
}

func TestLoggedOutFormsAreRefused(t *testing.T) {
	e := newEnv(t)
	id, _ := e.submitted()
	p := e.post(e.client(), "/dashboard/trade-ins/"+id+"/quote", url.Values{"amount": {"1.00"}, "days": {"7"}, "csrf": {"x"}})
	require.Equal(t, http.StatusUnauthorized, p.status)
	v, err := e.hub.Submission(context.Background(), "", id)
	require.NoError(t, err)
	assert.Empty(t, v.Offers)
}
