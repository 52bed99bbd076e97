package upgrade

import (
	"net/http"

	"github.com/intakebench/intakebench/hub"
)

// handleReceiptEmail e-mails a walk-in's receipt again: the hub renders
// it from what it stored and queues it in its mail outbox. 202: the mail
// server takes it when the outbox worker next runs.
func (a *API) handleReceiptEmail(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, hub.CodeTradeInNotFound, "trade-in")
	if err != nil {
		return err
	}
	if err := a.hub.ResendWalkInReceipt(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// handleUnitByLabel answers the submission whose unit carries a unit
// label's id, as GET /submissions/{id} does, with its unit.
func (a *API) handleUnitByLabel(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := a.hub.TradeInOfUnitLabel(r.Context(), r.PathValue("label"))
	if err != nil {
		return err
	}
	return a.view(r.Context(), w, c, id, http.StatusOK, nil)
}

// handlePayoutRetry releases a failed card payout again (the customer's
// account put right): 202, paid at the next settlement run.
func (a *API) handlePayoutRetry(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, hub.CodeTradeInNotFound, "trade-in")
	if err != nil {
		return err
	}
	if err := a.hub.RetryPayout(r.Context(), c.actor(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
