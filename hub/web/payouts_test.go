package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// A card payout the processor declined is listed apart, with why, and a
// supervisor releases it again from the page.
func TestFailedCardPayoutIsReleasedAgainFromThePayoutsPage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	at := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	ti := intake.TradeIn{ID: "ti-card", Reference: "TI-2024-000042", Status: intake.StatusCompleted, IMEI: cleanIMEI,
		Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"}, Customer: intake.Customer{Name: "Ada Lovelace"},
		Offer: 35000, UpdatedAt: at}
	// The ledger as the hub writes it when Stripe declines the transfer.
	require.NoError(t, e.hub.DB().InTx(ctx, func(tx *hubdb.Tx) error {
		if err := tx.PutTradeIns(ctx, []intake.TradeIn{ti}, at); err != nil {
			return err
		}
		for _, p := range []intake.PayoutEntry{
			{Kind: intake.PayoutObligation, Amount: 35000, Method: intake.PayoutCard, Destination: "acct_1AdaLovelace", Actor: "customer:cus_1"},
			{Kind: intake.PayoutRelease, Amount: 35000, Method: intake.PayoutCard, Actor: "operator:op-tech-1@bench-1"},
			{Kind: intake.PayoutFail, Amount: 35000, Method: intake.PayoutCard, Actor: "hub",
				Note: "The processor declined the payout (card_declined): Your card was declined."},
		} {
			p.TradeInID, p.At = ti.ID, at
			if _, err := tx.AppendPayout(ctx, p); err != nil {
				return err
			}
		}
		return nil
	}))
	staff, p := e.login(supervisor, superPIN)
	require.Equal(t, http.StatusSeeOther, p.status)

	pay := e.get(staff, "/dashboard/payouts")
	require.Equal(t, http.StatusOK, pay.status)
	assert.Contains(t, pay.body, "Declined by the processor")
	assert.Contains(t, pay.body, "<td>The processor declined the payout (card_declined): Your card was declined.</td>")
	assert.NotContains(t, pay.body, "paid by the processor", "not among the payouts the processor will pay")
	assert.Contains(t, pay.body, "No released payout is waiting to be paid.")

	// A form without the session's token changes nothing.
	p = e.post(staff, "/dashboard/trade-ins/ti-card/payout-retry", url.Values{})
	assert.Equal(t, http.StatusForbidden, p.status)
	_, standing, err := e.hub.PayoutLedger(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.PayoutFailed, standing.State)

	p = e.post(staff, "/dashboard/trade-ins/ti-card/payout-retry", url.Values{"csrf": {csrf(t, pay)}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "/dashboard/payouts?done=retry", p.header.Get("Location"))
	_, standing, err = e.hub.PayoutLedger(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutDue, Amount: 35000, Method: intake.PayoutCard}, standing)
	pay = e.get(staff, "/dashboard/payouts?done=retry")
	assert.Contains(t, pay.body, "Payout released again: the processor pays it at its next run.")
	assert.NotContains(t, pay.body, "Declined by the processor")
	assert.Contains(t, pay.body, "paid by the processor")

	// Released already: a second press is refused, saying why.
	p = e.post(staff, "/dashboard/trade-ins/ti-card/payout-retry", url.Values{"csrf": {csrf(t, pay)}})
	assert.Equal(t, http.StatusConflict, p.status)
	assert.Contains(t, p.body, "The payout of trade-in TI-2024-000042 is due: only a failed payout is tried again.")
}
