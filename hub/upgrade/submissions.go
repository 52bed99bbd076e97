package upgrade

import (
	"context"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// submissionBody is seed 003's create-submission body, which an update
// sends whole again.
type submissionBody struct {
	ProductID    string   `json:"product_id"`
	SerialNumber string   `json:"serial_number"`
	Condition    string   `json:"condition"`
	Description  string   `json:"description"`
	Photos       []string `json:"photos"`
}

func (b submissionBody) input() hub.SubmissionInput {
	return hub.SubmissionInput{ProductID: b.ProductID, SerialNumber: b.SerialNumber, Condition: b.Condition, Description: b.Description, Photos: b.Photos}
}

// view answers a submission as it now stands.
func (a *API) view(ctx context.Context, w http.ResponseWriter, c caller, id string, status int, edit func(*submissionJSON)) error {
	v, err := a.hub.Submission(ctx, c.customerID(), id)
	if err != nil {
		return err
	}
	s := submissionOf(v, a.hub.Now(), c.admin)
	if edit != nil {
		edit(&s)
	}
	httpx.WriteJSON(w, status, s)
	return nil
}

func submissionID(r *http.Request) (string, error) {
	return pathID(r, hub.CodeTradeInNotFound, "submission")
}

// handleCreateSubmission starts a draft: 201 with the submission.
func (a *API) handleCreateSubmission(w http.ResponseWriter, r *http.Request, c caller) error {
	var in submissionBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	t, err := a.hub.CreateSubmission(r.Context(), c.customer.ID, in.input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.prefix+"/submissions/"+t.ID)
	return a.view(r.Context(), w, c, t.ID, http.StatusCreated, nil)
}

// handleUpdateSubmission replaces a draft's details.
func (a *API) handleUpdateSubmission(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := submissionID(r)
	if err != nil {
		return err
	}
	var in submissionBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	if _, err := a.hub.UpdateSubmission(r.Context(), c.customer.ID, id, in.input()); err != nil {
		return err
	}
	return a.view(r.Context(), w, c, id, http.StatusOK, nil)
}

// handleSubmitSubmission sends a draft for review (seed 003's POST on the
// submission). The body is empty or {}.
func (a *API) handleSubmitSubmission(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := submissionID(r)
	if err != nil {
		return err
	}
	var in struct{}
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	if _, err := a.hub.SubmitSubmission(r.Context(), c.customer.ID, id); err != nil {
		return err
	}
	return a.view(r.Context(), w, c, id, http.StatusOK, nil)
}

func (a *API) handleGetSubmission(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := submissionID(r)
	if err != nil {
		return err
	}
	return a.view(r.Context(), w, c, id, http.StatusOK, nil)
}

// listJSON is a page of a listing.
type listJSON[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Listing bounds: a page of submissions carries each one's offers and
// check.
const (
	defaultPage = 50
	maxPage     = 100
)

// handleListSubmissions lists a customer's own submissions, or with an
// admin key every customer's; ?status= keeps one status.
func (a *API) handleListSubmissions(w http.ResponseWriter, r *http.Request, c caller) error {
	status, err := statusFilter(r)
	if err != nil {
		return err
	}
	limit, cursor, err := page(r, defaultPage, maxPage)
	if err != nil {
		return err
	}
	items, next, err := a.hub.Submissions(r.Context(), c.customerID(), status, limit, cursor)
	if err != nil {
		return err
	}
	out, err := a.details(r.Context(), c, items)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, listJSON[submissionJSON]{Items: out, NextCursor: next})
	return nil
}

// details are the listed trade-ins with their offers and checks, in list
// form (without history and offers' past).
func (a *API) details(ctx context.Context, c caller, items []intake.TradeIn) ([]submissionJSON, error) {
	now := a.hub.Now()
	out := make([]submissionJSON, 0, len(items))
	for _, t := range items {
		v, err := a.hub.Submission(ctx, c.customerID(), t.ID)
		if err != nil {
			return nil, fmt.Errorf("read listed submission %s: %w", t.ID, err)
		}
		s := submissionOf(v, now, c.admin)
		s.Offers, s.History = nil, nil
		out = append(out, s)
	}
	return out, nil
}

type imeiCheckBody struct {
	IMEI string `json:"imei"`
}

// handleIMEICheck runs seed 001's IMEI check: the registry's flags and
// the carrier the catalog knows. A submission known by a serial number
// needs the IMEI in the body; it becomes the submission's.
func (a *API) handleIMEICheck(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := submissionID(r)
	if err != nil {
		return err
	}
	var in imeiCheckBody
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	check, err := a.hub.CheckSubmissionIMEI(r.Context(), c.actor(), id, in.IMEI)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, imeiCheckOf(check))
	return nil
}

type shipBody struct {
	TrackingNumber string `json:"tracking_number"`
}

// handleShip marks an accepted submission's device as on its way: by its
// customer or an admin.
func (a *API) handleShip(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := submissionID(r)
	if err != nil {
		return err
	}
	var in shipBody
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	if _, err := a.hub.Ship(r.Context(), c.actor(), c.customerID(), id, in.TrackingNumber); err != nil {
		return err
	}
	return a.view(r.Context(), w, c, id, http.StatusOK, nil)
}

// handleReceive records the device's arrival at the facility.
func (a *API) handleReceive(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := submissionID(r)
	if err != nil {
		return err
	}
	var in struct{}
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	if _, err := a.hub.Receive(r.Context(), c.actor(), id); err != nil {
		return err
	}
	return a.view(r.Context(), w, c, id, http.StatusOK, nil)
}

type inspectBody struct {
	Condition string `json:"condition"`
	Notes     string `json:"notes"`
}

// handleInspect records the inspection: as disclosed (or better) the
// trade-in completes and its payout is released; worse, the payout is
// held for a supervisor. The answer carries the inspection's decision.
func (a *API) handleInspect(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := submissionID(r)
	if err != nil {
		return err
	}
	var in inspectBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	var f fields
	found := intake.ConditionUnknown
	if in.Condition == "" {
		f.add("condition", "is required: new, excellent, good, fair, poor or broken")
	} else if found, err = intake.ParseCondition(in.Condition); err != nil {
		f.add("condition", "%s", err.Error())
	}
	if utf8.RuneCountInString(in.Notes) > hub.MaxDescription {
		f.add("notes", "are longer than %d characters", hub.MaxDescription)
	}
	if err := f.err(); err != nil {
		return err
	}
	_, d, err := a.hub.Inspect(r.Context(), c.actor(), id, found, in.Notes)
	if err != nil {
		return err
	}
	return a.view(r.Context(), w, c, id, http.StatusOK, func(s *submissionJSON) {
		s.Inspection = &inspectionJSON{Disclosed: conditionName(d.Disclosed), Graded: conditionName(d.Graded), AsDisclosed: !d.Reroute,
			Reason: d.Reason, Offer: money(d.Offer), GradedPrice: money(d.GradedPrice)}
	})
}
