package upgrade_test

import (
	"net/http"
	"testing"

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
