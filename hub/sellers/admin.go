package sellers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/httpx"
)

var sellerIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

type keyJSON struct {
	SellerID string `json:"sellerId"`
	Key      string `json:"key,omitempty"`
}

// handlePutSeller creates or replaces a seller's profile. A new seller's
// key is in the answer, once; ?rotateKey=true replaces an existing key.
func (a *API) handlePutSeller(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("sellerId")
	if !sellerIDPattern.MatchString(id) {
		return refuse(http.StatusBadRequest, CodeInvalid, "A seller id is 1 to 64 letters, digits, _ and -.")
	}
	var p Profile
	if err := readJSON(w, r, &p); err != nil {
		return err
	}
	if err := p.check(); err != nil {
		return err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	out := keyJSON{SellerID: id}
	status := http.StatusOK
	err = a.hub.DB().InTx(r.Context(), func(tx *hubdb.Tx) error {
		now := a.hub.Now().UTC()
		_, err := tx.Seller(r.Context(), id)
		switch {
		case errors.Is(err, hubdb.ErrNotFound):
			out.Key, status = newKey(), http.StatusCreated
			return tx.InsertSeller(r.Context(), hubdb.Seller{ID: id, KeyHash: keyHash(out.Key), Doc: doc, CreatedAt: now, UpdatedAt: now})
		case err != nil:
			return err
		}
		hash := ""
		if r.URL.Query().Get("rotateKey") == "true" {
			out.Key = newKey()
			hash = keyHash(out.Key)
		}
		return tx.UpdateSeller(r.Context(), id, hash, doc, now)
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, status, out)
	return nil
}

func (a *API) handleGetSeller(w http.ResponseWriter, r *http.Request) error {
	var p Profile
	err := a.hub.DB().View(r.Context(), func(tx *hubdb.Tx) (err error) {
		p, err = a.profile(r.Context(), tx, r.PathValue("sellerId"))
		return err
	})
	if errors.Is(err, hubdb.ErrNotFound) {
		return refuse(http.StatusNotFound, CodeSellerNotFound, "There is no seller %.40q.", r.PathValue("sellerId"))
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

type webhookBody struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

type webhookJSON struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// handleRegisterWebhook subscribes an endpoint of the seller's to seed
// 004's events (all of them when events is empty), like seed 000's
// registration: the answer carries the signing secret, once. The
// endpoint receives this seller's events only.
func (a *API) handleRegisterWebhook(w http.ResponseWriter, r *http.Request, s seller) error {
	var in webhookBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	events := in.Events
	if len(events) == 0 {
		events = []string{EventSubmissionCreated, EventItemAccepted, EventItemRejected, EventMoreInfoAsked, EventOfferUplifted, EventOfferReminder}
	}
	var f fields
	for i, e := range events {
		if !slices.Contains([]string{EventSubmissionCreated, EventItemAccepted, EventItemRejected, EventMoreInfoAsked, EventOfferUplifted, EventOfferReminder}, e) {
			f.add(fmt.Sprintf("events[%d]", i), "%.60q is not one of seed 004's events", e)
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	ep, secret, err := a.outbox.Register(r.Context(), in.URL, events, in.Secret)
	var fe *httpx.FieldError
	if errors.As(err, &fe) {
		e := refuse(http.StatusUnprocessableEntity, CodeValidation, "%s %s.", fe.Field, fe.Message)
		e.fields = []FieldError{{Field: fe.Field, Message: fe.Message}}
		return e
	}
	if err != nil {
		return err
	}
	if err := a.hub.DB().InTx(r.Context(), func(tx *hubdb.Tx) error { return tx.AddSellerWebhook(r.Context(), ep.ID, s.id) }); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, webhookJSON{ID: ep.ID, URL: ep.URL, Events: ep.Events, Secret: secret})
	return nil
}
