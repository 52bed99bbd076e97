package upgrade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/httpx"
)

// DefaultOfferLife is how long an offer created without expires_at
// stands.
const DefaultOfferLife = 14 * 24 * time.Hour

// offerBody is seed 003's create-offer body. amount stays the number's
// text until it is read as a decimal.
type offerBody struct {
	SubmissionID string          `json:"submission_id"`
	Amount       json.RawMessage `json:"amount"`
	Notes        string          `json:"notes"`
	ExpiresAt    string          `json:"expires_at"`
}

// handleCreateOffer quotes a price for a submission (seed 001's Send
// Quote): after a clean IMEI check; the customer is e-mailed accept and
// decline links. 201 with the offer.
func (a *API) handleCreateOffer(w http.ResponseWriter, r *http.Request, c caller) error {
	var in offerBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	var f fields
	if strings.TrimSpace(in.SubmissionID) == "" {
		f.add("submission_id", "is required")
	}
	amount := f.money("amount", in.Amount, true)
	expires := a.hub.Now().Add(DefaultOfferLife)
	if in.ExpiresAt != "" {
		expires = f.timestamp("expires_at", in.ExpiresAt)
	}
	if err := f.err(); err != nil {
		return err
	}
	o, err := a.hub.SendOffer(r.Context(), c.actor(), hub.OfferInput{SubmissionID: in.SubmissionID, Amount: amount, Notes: in.Notes, ExpiresAt: expires})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, offerOf(o, a.hub.Now()))
	return nil
}

type answerBody struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// parseAction reads an answer to an offer.
func parseAction(s string) (accept bool, err error) {
	switch s {
	case "accept":
		return true, nil
	case "decline":
		return false, nil
	case "":
		return false, badRequest("action is required: accept or decline.", fieldError{Field: "action", Message: "is required: accept or decline"})
	}
	return false, badRequest(fmt.Sprintf("action %.20q is not accept or decline.", s), fieldError{Field: "action", Message: "must be accept or decline"})
}

// handleAnswerOffer is the customer's answer to their offer. An expired
// offer cannot be accepted. The answer is the submission as it now
// stands.
func (a *API) handleAnswerOffer(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, hub.CodeOfferNotFound, "offer")
	if err != nil {
		return err
	}
	var in answerBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	accept, err := parseAction(in.Action)
	if err != nil {
		return err
	}
	t, err := a.hub.AnswerOffer(r.Context(), c.customer.ID, id, accept, in.Reason)
	if err != nil {
		return err
	}
	return a.view(r.Context(), w, c, t.ID, http.StatusOK, nil)
}

// offer reads an offer by its id alone, for its e-mailed link.
func (a *API) offer(ctx context.Context, id string) (o hubdb.Offer, err error) {
	err = a.hub.DB().View(ctx, func(tx *hubdb.Tx) error {
		o, err = tx.Offer(ctx, id)
		return err
	})
	if errors.Is(err, hubdb.ErrNotFound) {
		return o, &requestError{status: http.StatusNotFound, code: hub.CodeOfferNotFound, detail: fmt.Sprintf("There is no offer %.40q.", id)}
	}
	if err != nil {
		return o, fmt.Errorf("read offer %s: %w", id, err)
	}
	return o, nil
}
