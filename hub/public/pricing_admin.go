package public

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// Codes of the price observations admin route's refusals, stable for
// clients.
const (
	CodeInvalidObservations   = "invalid_observations" // the details name each wrong field
	CodeAdminInvalidRequest   = "invalid_request"      // not a JSON object of the documented shape
	CodeAdminBodyTooLarge     = "body_too_large"
	CodeAdminNotFound         = "not_found"
	CodeAdminMethodNotAllowed = "method_not_allowed"
	CodeAdminInternal         = "internal"
)

// Bounds of one request to the admin route: more is sent in parts (or
// imported from a file with intakehub import prices).
const (
	MaxObservationsPerRequest = 10_000
	maxObservationsBody       = 4 << 20
	MaxSourceLength           = 64
)

// Observation is one observed market price of the admin API: what a
// source was seen to pay (buyback) or sell for (resale) for one variant
// in one condition at one time. Value is in cents, as seed 002 answers.
type Observation struct {
	VariantID  string      `json:"variant_id"`
	Type       string      `json:"type"`      // buyback or resale
	Condition  string      `json:"condition"` // Excellent, Good, Fair or Poor (any case)
	Value      json.Number `json:"value"`
	Source     string      `json:"source"`
	ObservedAt string      `json:"observed_at"` // RFC 3339
}

// ObservationsReport is what recording a set of observations did: each
// was new, replaced the price its key had (same variant, type,
// condition, source and time), or was there already as it is.
type ObservationsReport struct {
	Recorded  int `json:"recorded"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// ParsePriceKind reads an observation's type.
func ParsePriceKind(s string) (hubdb.PriceKind, error) {
	switch k := hubdb.PriceKind(strings.ToLower(strings.TrimSpace(s))); k {
	case hubdb.PriceBuyback, hubdb.PriceResale:
		return k, nil
	}
	return "", fmt.Errorf("must be buyback or resale, not %q", s)
}

// ParseObservedCondition reads an observation's condition: one of the four
// seed 002 reports, in any case. New and broken are not observed: seed
// 002 has no column for them.
func ParseObservedCondition(s string) (intake.Condition, error) {
	if c, ok := seed002Condition(strings.TrimSpace(s)); ok {
		return c, nil
	}
	return intake.ConditionUnknown, fmt.Errorf("must be Excellent, Good, Fair or Poor, not %q", s)
}

// CheckSource checks an observation's source: who was observed ("ebay",
// "backmarket", "store-12"), 1 to MaxSourceLength bytes of printable characters.
func CheckSource(s string) error {
	switch {
	case s == "":
		return errors.New("required")
	case len(s) > MaxSourceLength:
		return fmt.Errorf("longer than %d bytes", MaxSourceLength)
	case strings.TrimSpace(s) != s:
		return errors.New("has spaces at its ends")
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return errors.New("has a character that is not printable")
	}
	return nil
}

// CheckObservedAt checks an observation's time against the hub's clock:
// an observation is of the past.
func CheckObservedAt(at, now time.Time) error {
	if at.After(now) {
		return fmt.Errorf("%s is after the hub's time %s: an observation is of the past", at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkObservations turns observations into rows, or lists every wrong
// field (as observations[i].field) and returns no rows.
func (a *API) checkObservations(ctx context.Context, obs []Observation, now time.Time) ([]hubdb.PriceRow, httpx.FieldErrors, error) {
	var fe httpx.FieldErrors
	rows := make([]hubdb.PriceRow, 0, len(obs))
	for i, o := range obs {
		field := func(name string) string { return fmt.Sprintf("observations[%d].%s", i, name) }
		r := hubdb.PriceRow{VariantID: strings.TrimSpace(o.VariantID), Source: o.Source}
		if r.VariantID == "" {
			fe.Add(field("variant_id"), "required", "required")
		} else if _, err := a.cat.ByID(ctx, r.VariantID); errors.Is(err, ErrVariantNotFound) {
			fe.Add(field("variant_id"), "unknown_variant", fmt.Sprintf("variant %q is not in the catalog", r.VariantID))
		} else if err != nil {
			return nil, nil, err
		}
		var err error
		if r.Kind, err = ParsePriceKind(o.Type); err != nil {
			fe.Add(field("type"), "invalid_choice", err.Error())
		}
		if r.Condition, err = ParseObservedCondition(o.Condition); err != nil {
			fe.Add(field("condition"), "invalid_choice", err.Error())
		}
		if n, err := strconv.ParseInt(string(o.Value), 10, 64); err != nil || n < 0 || n > int64(intake.MaxAmount) {
			fe.Add(field("value"), "out_of_range", fmt.Sprintf("must be whole cents from 0 to %d, not %q", int64(intake.MaxAmount), o.Value.String()))
		} else {
			r.Cents = intake.Cents(n)
		}
		if err := CheckSource(o.Source); err != nil {
			fe.Add(field("source"), "invalid", err.Error())
		}
		if at, err := time.Parse(time.RFC3339, o.ObservedAt); err != nil {
			fe.Add(field("observed_at"), "invalid_time", fmt.Sprintf("must be an RFC 3339 time, not %q", o.ObservedAt))
		} else if err := CheckObservedAt(at, now); err != nil {
			fe.Add(field("observed_at"), "in_future", err.Error())
		} else {
			r.At = at.UTC()
		}
		rows = append(rows, r)
	}
	if len(fe) > 0 {
		return nil, fe, nil
	}
	return rows, nil, nil
}

// RecordObservations records observations in one transaction: all of
// them, or, when any is wrong, none (the field errors say which).
func (a *API) RecordObservations(ctx context.Context, obs []Observation) (ObservationsReport, httpx.FieldErrors, error) {
	var rep ObservationsReport
	rows, fe, err := a.checkObservations(ctx, obs, a.now())
	if err != nil || len(fe) > 0 {
		return rep, fe, err
	}
	err = a.db.InTx(ctx, func(tx *hubdb.Tx) error {
		rep = ObservationsReport{}
		for _, r := range rows {
			old, had, err := tx.PriceRowOf(ctx, r)
			switch {
			case err != nil:
				return err
			case had && old == r.Cents:
				rep.Unchanged++
				continue
			case had:
				rep.Updated++
			default:
				rep.Recorded++
			}
			// Recorded at once, so that one repeated in the request is there.
			if err := tx.RecordPriceRows(ctx, []hubdb.PriceRow{r}); err != nil {
				return err
			}
		}
		return nil
	})
	return rep, nil, err
}

// observationsProblem is a refusal of the admin route: an RFC 9457
// problem, with every wrong field for invalid_observations.
type observationsProblem struct {
	wire.Problem
	Errors []httpx.FieldError `json:"errors,omitempty"`
}

func writeObservationsProblem(w http.ResponseWriter, status int, code, detail string, errs []httpx.FieldError) {
	httpx.WriteProblem(w, status, observationsProblem{Problem: wire.Problem{
		Type: wire.ProblemType(code), Title: http.StatusText(status), Status: status, Code: code, Detail: detail,
	}, Errors: errs})
}

// AdminHandler serves the price observations of the admin API, to be
// mounted behind the admin's credential at /api/{tenant}/admin/prices:
// POST /observations records {"observations": [Observation…]} and answers
// 200 with an ObservationsReport.
func (a *API) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/observations", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeObservationsProblem(w, http.StatusMethodNotAllowed, CodeAdminMethodNotAllowed, "Observations are POSTed.", nil)
			return
		}
		a.handleRecordObservations(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeObservationsProblem(w, http.StatusNotFound, CodeAdminNotFound, fmt.Sprintf("No such endpoint: %s %.100s.", r.Method, r.URL.Path), nil)
	})
	return mux
}

func (a *API) handleRecordObservations(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Observations []Observation `json:"observations"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxObservationsBody))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	err := dec.Decode(&body)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeObservationsProblem(w, http.StatusRequestEntityTooLarge, CodeAdminBodyTooLarge,
			fmt.Sprintf("A body of more than %d bytes is sent in parts.", maxObservationsBody), nil)
		return
	case err != nil:
		writeObservationsProblem(w, http.StatusBadRequest, CodeAdminInvalidRequest,
			"The body must be one JSON object {\"observations\": [...]}: "+err.Error()+". Nothing was recorded.", nil)
		return
	case len(body.Observations) == 0:
		writeObservationsProblem(w, http.StatusBadRequest, CodeAdminInvalidRequest, "observations is empty: nothing to record.", nil)
		return
	case len(body.Observations) > MaxObservationsPerRequest:
		writeObservationsProblem(w, http.StatusRequestEntityTooLarge, CodeAdminBodyTooLarge,
			fmt.Sprintf("%d observations, more than %d: send them in parts.", len(body.Observations), MaxObservationsPerRequest), nil)
		return
	}
	rep, fe, err := a.RecordObservations(r.Context(), body.Observations)
	switch {
	case err != nil:
		a.log.ErrorContext(r.Context(), "recording price observations failed", "err", err)
		writeObservationsProblem(w, http.StatusInternalServerError, CodeAdminInternal, "The hub failed to record them; the error is in its log. Nothing was recorded.", nil)
	case len(fe) > 0:
		writeObservationsProblem(w, http.StatusBadRequest, CodeInvalidObservations,
			fmt.Sprintf("%d wrong fields (listed in errors). Nothing was recorded.", len(fe)), fe)
	default:
		httpx.WriteJSON(w, http.StatusOK, rep)
	}
}
