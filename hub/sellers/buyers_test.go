package sellers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/sellers"
	"github.com/intakebench/intakebench/intake"
)

// TestBuyerStepsWithoutHTTP: our buyers' steps called directly, as the
// dashboard does, are recorded as whoever acted, refuse what the admin API
// refuses with the same codes and fields, and list what waits.
func TestBuyerStepsWithoutHTTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.ids["submission"], e.ids["item"] = []string{"sub-1"}, []string{"item-1", "item-2"}
	res := e.do("POST", "/v2/sellers/"+e.sellerID+"/submissions", e.key, twoPhones)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	require.Len(t, e.events(), 1)
	sam := hub.Actor{Kind: "operator", ID: "op-super-1"}

	for _, tc := range []struct {
		name string
		step func() error
		want sellers.Refusal
	}{
		{"no amount", func() error { return e.api.Accept(ctx, sam, e.sellerID, "sub-1", "item-1", 0, "EUR", time.Time{}) },
			sellers.Refusal{Status: 422, Code: "validation_failed", Detail: "offerPrice.amount must be a number above 0 with at most two decimals, such as 100 or 24.99.",
				Fields: []sellers.FieldError{{Field: "offerPrice.amount", Message: "must be a number above 0 with at most two decimals, such as 100 or 24.99"}}}},
		{"another currency", func() error { return e.api.Accept(ctx, sam, e.sellerID, "sub-1", "item-1", 100, "USD", time.Time{}) },
			sellers.Refusal{Status: 422, Code: "validation_failed", Detail: "offerPrice.currencyIsoCode must be EUR, the seller's currency.",
				Fields: []sellers.FieldError{{Field: "offerPrice.currencyIsoCode", Message: "must be EUR, the seller's currency"}}}},
		{"an unknown reason", func() error { return e.api.Reject(ctx, sam, e.sellerID, "sub-1", "item-1", "TooUgly") },
			sellers.Refusal{Status: 422, Code: "validation_failed",
				Detail: `rejectionReason "TooUgly" is not one of Duplicate, NotAuthentic, ConditionNotAccepted, ModelNotAccepted, InsufficientInformation, Other.`,
				Fields: []sellers.FieldError{{Field: "rejectionReason", Message: `"TooUgly" is not one of Duplicate, NotAuthentic, ConditionNotAccepted, ModelNotAccepted, InsufficientInformation, Other`}}}},
		{"no photos", func() error { return e.api.AskMoreInformation(ctx, sam, e.sellerID, "sub-1", "item-1", nil) },
			sellers.Refusal{Status: 422, Code: "validation_failed", Detail: "additionalPhotos must name 1 to 20 photos, such as Back or Inside.",
				Fields: []sellers.FieldError{{Field: "additionalPhotos", Message: "must name 1 to 20 photos, such as Back or Inside"}}}},
		{"an uplift without an offer", func() error { return e.api.Uplift(ctx, sam, e.sellerID, "sub-1", "item-1", 10) },
			sellers.Refusal{Status: 409, Code: "item_has_no_offer", Detail: "Item item-1 has no open offer to uplift."}},
		{"another seller", func() error { return e.api.Reject(ctx, sam, "seller-2", "sub-1", "item-1", "Duplicate") },
			sellers.Refusal{Status: 404, Code: "seller_not_found", Detail: `There is no seller "seller-2".`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := sellers.RefusalOf(tc.step())
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
			assert.Empty(t, e.events())
		})
	}
	_, ok := sellers.RefusalOf(context.Canceled)
	assert.False(t, ok, "a failure is no refusal")

	// Accept as Sam, with an offer of 120.50: the history names Sam.
	e.ids["offer"], e.ids["promotion"] = []string{"offer-1"}, []string{"promo-1", "promo-2"}
	require.NoError(t, e.api.Accept(ctx, sam, e.sellerID, "sub-1", "item-1", 12050, "EUR", time.Time{}))
	require.NoError(t, e.api.AskMoreInformation(ctx, sam, e.sellerID, "sub-1", "item-2", []string{"Back"}))
	v, err := e.hub.Submission(ctx, "", "sli_item1")
	require.NoError(t, err)
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusSubmitted, To: intake.StatusOffered, Actor: "operator:op-super-1",
		At: time.Date(2022, 11, 28, 14, 8, 24, 236372000, time.UTC)}, v.History[len(v.History)-1])
	require.Len(t, e.events(), 2)

	waiting, err := e.api.Waiting(ctx, 10)
	require.NoError(t, err)
	require.Len(t, waiting, 2)
	assert.Equal(t, "item-1", waiting[0].ItemID)
	assert.Equal(t, sellers.ItemAccepted, waiting[0].Status)
	assert.Equal(t, &sellers.WaitingOffer{ID: "offer-1", Base: 12050, Total: 12050, ExpiresAt: time.Date(2022, 12, 28, 14, 8, 24, 236372000, time.UTC)}, waiting[0].Offer)
	assert.Equal(t, []sellers.WaitingAttribute{{Name: "Size", Values: []string{"Size1"}}, {Name: "Condition", Values: []string{"Conditions1"}},
		{Name: "Extras", Values: []string{"Box"}}}, waiting[0].Attributes)
	assert.Equal(t, []sellers.WaitingPhoto{{Name: "Front", URL: "http://my-assets/1.jpg"}}, waiting[0].Photos)
	assert.Equal(t, []string{"Front", "Back", "Corner", "Hardware", "Inside", "Zipper"}, waiting[0].PhotoTypes)
	assert.Equal(t, "item-2", waiting[1].ItemID)
	assert.Equal(t, sellers.ItemMoreInfo, waiting[1].Status)
	assert.Equal(t, []string{"Back"}, waiting[1].PhotosAsked)
	assert.Nil(t, waiting[1].Offer)

	// Two uplifts of amounts with cents, through the admin API: each reads
	// the promotions before it back in units, and so does the reminder.
	admin := "/admin/sellers/" + e.sellerID + "/submissions/sub-1/items/item-1/uplift"
	res = e.do("POST", admin, "", `{"percentage":10}`)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	require.Len(t, e.events(), 1)
	res = e.do("POST", admin, "", `{"percentage":5}`)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	got := e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"basePrice":{"currencyIsoCode":"EUR","amount":120.5},"totalPrice":{"currencyIsoCode":"EUR","amount":138.58}`)
	assert.Contains(t, got[0], `"percentage":10,"price":{"currencyIsoCode":"EUR","amount":12.05}`)
	assert.Contains(t, got[0], `"percentage":5,"price":{"currencyIsoCode":"EUR","amount":6.03}`)
	e.clock.Advance(5 * 24 * time.Hour)
	_, err = e.sched.RunDue(ctx)
	require.NoError(t, err)
	got = e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"type":"OfferReminderEvent"`)
	assert.Contains(t, got[0], `"totalPrice":{"currencyIsoCode":"EUR","amount":138.58}`)
	assert.Contains(t, got[0], `"percentage":10,"price":{"currencyIsoCode":"EUR","amount":12.05}`)
	tin, err := e.hub.TradeIn(ctx, "sli_item1")
	require.NoError(t, err)
	assert.Equal(t, intake.Cents(13858), tin.Offer)
}
