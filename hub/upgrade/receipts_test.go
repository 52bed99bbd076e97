package upgrade_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// TestReceiptEmailRefusals: e-mailing a receipt again is for a walk-in
// the hub knows; anything else is refused with a stable code. (The hub's
// own tests send one through mailpit.)
func TestReceiptEmailRefusals(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id, _ := e.at(ada, intake.StatusSubmitted)
	e.json("POST", "/admin/tradeins/ti-nowhere/receipt-email", e.adminKey, "").problem(t, http.StatusNotFound, "submission_not_found")
	e.json("POST", "/admin/tradeins/"+id+"/receipt-email", e.adminKey, "").problem(t, http.StatusConflict, "not_a_walk_in")
}

// TestSubmissionByUnitLabel: a received device's unit label finds its
// submission, with its unit, for an admin; a label nobody printed, or
// text that is no label, is unit_not_found; customers may not ask.
func TestSubmissionByUnitLabel(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id, _ := e.at(ada, intake.StatusReceived)
	var got struct {
		ID   string `json:"id"`
		Unit struct {
			ID      string `json:"id"`
			LabelID string `json:"label_id"`
			Status  string `json:"status"`
		} `json:"unit"`
	}
	e.json("GET", "/submissions/"+id, e.adminKey, "").decode(t, &got)
	require.Regexp(t, `^U-\d{16}$`, got.Unit.LabelID)
	assert.Equal(t, "received", got.Unit.Status)
	label := got.Unit.LabelID

	r := e.json("GET", "/admin/units/"+label, e.adminKey, "")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	r.decode(t, &got)
	assert.Equal(t, id, got.ID)
	assert.Equal(t, label, got.Unit.LabelID)

	e.json("GET", "/admin/units/U-0068609408775028", e.adminKey, "").problem(t, http.StatusNotFound, "unit_not_found")
	e.json("GET", "/admin/units/not-a-label", e.adminKey, "").problem(t, http.StatusNotFound, "unit_not_found")
	assert.Equal(t, http.StatusForbidden, e.json("GET", "/admin/units/"+label, ada, "").status)
	own := e.json("GET", "/submissions/"+id, ada, "")
	require.Equal(t, http.StatusOK, own.status)
	assert.Empty(t, own.raw(t, "unit"), "the unit is the programme's business")
}
