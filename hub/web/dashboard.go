package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// defaultOfferDays is how long an offer stands unless staff say otherwise.
const defaultOfferDays = 7

func (s *Site) routesStaff() {
	s.mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard/trade-ins", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /dashboard/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard/trade-ins", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /dashboard/login", s.loginPage)
	s.mux.HandleFunc("POST /dashboard/login", s.loginSubmit)
	s.mux.Handle("POST /dashboard/logout", s.staffOnly(func(w http.ResponseWriter, r *http.Request, _ *staff) {
		s.endSession(w, r)
		http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
	}))
	s.mux.Handle("GET /dashboard/trade-ins", s.staffOnly(s.queuePage))
	s.mux.Handle("GET /dashboard/trade-ins/{id}", s.staffOnly(s.detailPage))
	s.mux.Handle("POST /dashboard/trade-ins/{id}/imei-check", s.staffOnly(s.checkAction))
	s.mux.Handle("POST /dashboard/trade-ins/{id}/quote", s.staffOnly(s.quoteAction))
	s.mux.Handle("POST /dashboard/trade-ins/{id}/settle", s.staffOnly(s.settleAction))
	s.mux.Handle("POST /dashboard/trade-ins/{id}/payout-retry", s.staffOnly(s.payoutRetryAction))
	s.mux.Handle("POST /dashboard/trade-ins/{id}/decline", s.staffOnly(s.declineAction))
	s.mux.Handle("GET /dashboard/payouts", s.staffOnly(s.payoutsPage))
	s.mux.Handle("GET /dashboard/reviews", s.staffOnly(s.reviewsPage))
	s.mux.Handle("GET /dashboard/stock", s.staffOnly(s.stockPage))
	s.mux.Handle("GET /dashboard/photos/{id}", s.staffOnly(s.customerPhoto))
	s.mux.Handle("GET /dashboard/blobs/{sha}", s.staffOnly(s.benchPhoto))
	s.routesSellers()
}

type staffHandler func(w http.ResponseWriter, r *http.Request, st *staff)

// staffOnly lets in a logged-in supervisor; a form they send must carry
// the session's CSRF token.
func (s *Site) staffOnly(fn staffHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := s.session(r)
		if err != nil {
			s.failed(w, r, err)
			return
		}
		if st == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
				return
			}
			s.render(w, r, http.StatusUnauthorized, "message", messagePage{Title: "Log in again", Message: "Your session has ended: log in and do that again."})
			return
		}
		if r.Method == http.MethodPost {
			if err := readForm(w, r); err != nil {
				if tooLarge(err) {
					s.wasTooLarge(w, r)
					return
				}
				s.render(w, r, http.StatusBadRequest, "message", messagePage{Title: "The form could not be read", Message: "Go back and send it again."})
				return
			}
			if !s.csrfOK(r, st) {
				s.render(w, r, http.StatusForbidden, "message", messagePage{Title: "This form is not from your session",
					Message: "The form's security token is missing or not your session's. Reload the page and try again."})
				return
			}
		}
		fn(w, r, st)
	})
}

// page renders a dashboard page for st.
func (s *Site) page(w http.ResponseWriter, r *http.Request, status int, st *staff, name, title, nav string, data any) {
	s.render(w, r, status, name, view{Title: title, Staff: st, CSRF: s.csrf(st), Nav: nav, Sellers: s.sellers != nil, Data: data})
}

type loginData struct {
	Operator string
	Error    string
}

func (loginData) title() string { return "Staff login" }

func (s *Site) loginPage(w http.ResponseWriter, r *http.Request) {
	if st, err := s.session(r); err == nil && st != nil {
		http.Redirect(w, r, "/dashboard/trade-ins", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginData{})
}

func (s *Site) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		if tooLarge(err) {
			s.wasTooLarge(w, r)
			return
		}
		s.render(w, r, http.StatusBadRequest, "login", loginData{Error: "The form could not be read: try again."})
		return
	}
	id, pin := strings.TrimSpace(r.PostFormValue("operator")), r.PostFormValue("pin")
	if id == "" || pin == "" || len(id) > 100 || len(pin) > 64 {
		s.render(w, r, http.StatusUnprocessableEntity, "login", loginData{Operator: id, Error: "Type your operator id and your PIN."})
		return
	}
	ok, wait := s.login(r.Context(), r, id, pin)
	if wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, "login", loginData{Operator: id,
			Error: fmt.Sprintf("Too many tries: wait %d minutes before trying again.", int(wait.Minutes())+1)})
		return
	}
	if !ok {
		s.render(w, r, http.StatusUnauthorized, "login", loginData{Operator: id,
			Error: "The operator id or the PIN is wrong, or the operator is no supervisor."})
		return
	}
	if err := s.startSession(w, r, id); err != nil {
		s.failed(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "staff logged in to the dashboard", "operator", id)
	http.Redirect(w, r, "/dashboard/trade-ins", http.StatusSeeOther)
}

type statusCount struct {
	Status  intake.Status
	N       int
	Current bool
}

type queueData struct {
	Status intake.Status
	Counts []statusCount
	All    int
	Items  []intake.TradeIn
	Next   string
	Error  string
}

func (s *Site) queuePage(w http.ResponseWriter, r *http.Request, st *staff) {
	status := intake.Status(r.URL.Query().Get("status"))
	if status != "" && !status.Valid() {
		status = ""
	}
	q, err := s.hub.Queue(r.Context(), status, 50, r.URL.Query().Get("cursor"))
	if _, ok := refusal(err); ok {
		// A cursor not the hub's: the first page.
		q, err = s.hub.Queue(r.Context(), status, 50, "")
	}
	if err != nil {
		s.failed(w, r, err)
		return
	}
	d := queueData{Status: status, Items: q.Items, Next: q.NextCursor}
	for _, st := range intake.Statuses {
		d.Counts = append(d.Counts, statusCount{Status: st, N: q.Counts[st], Current: st == status})
		d.All += q.Counts[st]
	}
	s.page(w, r, http.StatusOK, st, "queue", "Trade-ins", "queue", d)
}

type detailData struct {
	V          hub.SubmissionView
	Answers    []string
	Bench      []intake.Photo
	Errors     map[string]string
	Done       string
	Amount     string
	Days       int
	Notes      string
	CanQuote   bool
	Counter    bool // the quote is a counter-quote of a declined trade-in
	Flagged    bool
	CanSettle  bool
	Suggestion string

	CanDecline   bool
	Reasons      []hub.DeclineReason
	Reason       string // the reason chosen, when the form comes back
	DeclineNotes string
}

func (s *Site) detailPage(w http.ResponseWriter, r *http.Request, st *staff) {
	s.showDetail(w, r, st, http.StatusOK, map[string]string{}, url.Values{})
}

var doneMessages = map[string]string{
	"check":   "IMEI checked.",
	"quote":   "Quote sent: the customer is e-mailed the offer with accept and decline links.",
	"settle":  "Payout recorded as paid.",
	"decline": "Trade-in declined: its status page tells the customer why.",
}

func (s *Site) showDetail(w http.ResponseWriter, r *http.Request, st *staff, status int, errs map[string]string, form url.Values) {
	ctx := r.Context()
	v, err := s.hub.Submission(ctx, "", r.PathValue("id"))
	if err != nil {
		s.failed(w, r, err)
		return
	}
	bench, err := s.hub.Photos(ctx, v.TradeIn.ID)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	t := v.TradeIn
	d := detailData{V: v, Bench: bench, Errors: errs, Done: doneMessages[r.URL.Query().Get("done")],
		Amount: form.Get("amount"), Notes: form.Get("notes"), Days: defaultOfferDays,
		CanQuote: t.CanCounterQuote(), Counter: t.Status == intake.StatusDeclined,
		Flagged:    v.IMEICheck != nil && v.IMEICheck.Status != intake.IMEIClean,
		CanSettle:  v.Payout.State == intake.PayoutDue && v.Payout.Method != intake.PayoutCard,
		CanDecline: hub.StaffMayDecline(t), Reasons: hub.DeclineReasons(),
		Reason: form.Get("reason"), DeclineNotes: form.Get("decline_notes")}
	for _, a := range t.Answers {
		d.Answers = append(d.Answers, a.Question+" "+a.Answer)
	}
	if t.Description != "" {
		d.Answers = append(d.Answers, strings.Split(t.Description, "\n")...)
	}
	if n, err := strconv.Atoi(form.Get("days")); err == nil {
		d.Days = n
	}
	if p, err := t.Prices.Quote(t.Disclosed); err == nil && p > 0 {
		d.Suggestion = p.String()
		if d.Amount == "" {
			d.Amount = d.Suggestion
		}
	}
	s.page(w, r, status, st, "detail", t.Reference, "queue", d)
}

// after answers a staff action: back to the trade-in with what was done,
// or the trade-in again with the hub's refusal beside the form.
func (s *Site) after(w http.ResponseWriter, r *http.Request, st *staff, field, done string, err error) {
	if e, ok := refusal(err); ok {
		status := http.StatusUnprocessableEntity
		if e.Kind == hub.KindConflict {
			status = http.StatusConflict
		}
		if e.Kind == hub.KindNotFound {
			s.failed(w, r, err)
			return
		}
		s.showDetail(w, r, st, status, map[string]string{field: e.Detail}, r.PostForm)
		return
	}
	if err != nil {
		s.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/trade-ins/"+url.PathEscape(r.PathValue("id"))+"?done="+done, http.StatusSeeOther)
}

func (s *Site) checkAction(w http.ResponseWriter, r *http.Request, st *staff) {
	_, err := s.hub.CheckSubmissionIMEI(r.Context(), st.actor(), r.PathValue("id"), r.PostFormValue("imei"))
	s.after(w, r, st, "check", "check", err)
}

func (s *Site) quoteAction(w http.ResponseWriter, r *http.Request, st *staff) {
	errs := map[string]string{}
	amount, err := intake.ParseCents(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("amount")), "$"))
	if err != nil {
		errs["amount"] = "Type the offer in dollars and cents, such as 350.00."
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err != nil || days < 1 || days > int(hub.MaxOfferLife.Hours()/24) {
		errs["days"] = fmt.Sprintf("An offer stands 1 to %d days.", int(hub.MaxOfferLife.Hours()/24))
	}
	if len(errs) > 0 {
		s.showDetail(w, r, st, http.StatusUnprocessableEntity, errs, r.PostForm)
		return
	}
	_, err = s.hub.SendOffer(r.Context(), st.actor(), hub.OfferInput{SubmissionID: r.PathValue("id"), Amount: amount,
		Notes: r.PostFormValue("notes"), ExpiresAt: s.now().Add(time.Duration(days) * 24 * time.Hour)})
	s.after(w, r, st, "quote", "quote", err)
}

func (s *Site) settleAction(w http.ResponseWriter, r *http.Request, st *staff) {
	err := s.hub.SettleByHand(r.Context(), st.actor(), r.PathValue("id"), r.PostFormValue("reference"))
	if e, ok := refusal(err); ok && r.PostFormValue("from") == "payouts" {
		s.render(w, r, http.StatusConflict, "message", messagePage{Title: "Not recorded", Message: e.Detail})
		return
	}
	if err == nil && r.PostFormValue("from") == "payouts" {
		http.Redirect(w, r, "/dashboard/payouts?done=1", http.StatusSeeOther)
		return
	}
	s.after(w, r, st, "settle", "settle", err)
}

// declineAction declines the trade-in with a reason from the hub's list:
// the hub checks the reason and the move, and its refusal is shown beside
// the form.
func (s *Site) declineAction(w http.ResponseWriter, r *http.Request, st *staff) {
	err := s.hub.DeclineSubmission(r.Context(), st.actor(), r.PathValue("id"), r.PostFormValue("reason"), r.PostFormValue("decline_notes"))
	s.after(w, r, st, "decline", "decline", err)
}

type payoutRow struct {
	TradeIn  intake.TradeIn
	Standing intake.PayoutStanding
	Failure  string // why the processor declined a failed payout
}

type payoutsData struct {
	Failed []payoutRow
	Rows   []payoutRow
	Done   string // what was just recorded
}

// payoutsPage lists the card payouts the processor declined, to release
// again once the customer's account is right, and the payouts released
// and not yet paid: checks and store credit to settle by hand, card
// payouts the processor will pay.
func (s *Site) payoutsPage(w http.ResponseWriter, r *http.Request, st *staff) {
	ctx := r.Context()
	d := payoutsData{Done: map[string]string{"1": "Payout recorded as paid.", "retry": "Payout released again: the processor pays it at its next run."}[r.URL.Query().Get("done")]}
	// One snapshot: every row as it stood at one moment.
	err := s.hub.DB().View(ctx, func(tx *hubdb.Tx) error {
		failed, err := tx.FailedPayouts(ctx, 100)
		if err != nil {
			return err
		}
		if d.Failed, err = payoutRows(ctx, tx, failed); err != nil {
			return err
		}
		for _, m := range []intake.PayoutMethod{intake.PayoutCheck, intake.PayoutStoreCredit, intake.PayoutCard} {
			ids, err := tx.DuePayouts(ctx, m, 100)
			if err != nil {
				return err
			}
			rows, err := payoutRows(ctx, tx, ids)
			if err != nil {
				return err
			}
			d.Rows = append(d.Rows, rows...)
		}
		return nil
	})
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, st, "payouts", "Payouts to settle", "payouts", d)
}

// payoutRows reads the trade-ins of ids and where their payouts stand, with
// the processor's reason for the last one it declined.
func payoutRows(ctx context.Context, tx *hubdb.Tx, ids []string) ([]payoutRow, error) {
	rows := make([]payoutRow, 0, len(ids))
	for _, id := range ids {
		t, err := tx.TradeIn(ctx, id)
		if err != nil {
			return nil, err
		}
		entries, standing, err := tx.PayoutLedger(ctx, id)
		if err != nil {
			return nil, err
		}
		row := payoutRow{TradeIn: t, Standing: standing}
		if n := len(entries); n > 0 && entries[n-1].Kind == intake.PayoutFail {
			row.Failure = entries[n-1].Note
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// payoutRetryAction releases a failed card payout again.
func (s *Site) payoutRetryAction(w http.ResponseWriter, r *http.Request, st *staff) {
	err := s.hub.RetryPayout(r.Context(), st.actor(), r.PathValue("id"))
	if e, ok := refusal(err); ok {
		s.render(w, r, http.StatusConflict, "message", messagePage{Title: "Not released", Message: e.Detail})
		return
	}
	if err != nil {
		s.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/payouts?done=retry", http.StatusSeeOther)
}

// stockPage is the stock ledger summed per product: what is on the
// shelves now, and when each last moved.
func (s *Site) stockPage(w http.ResponseWriter, r *http.Request, st *staff) {
	var levels []hubdb.StockLevel
	err := s.hub.DB().View(r.Context(), func(tx *hubdb.Tx) (err error) {
		levels, err = tx.StockLevels(r.Context())
		return err
	})
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, st, "stock", "Stock", "stock", levels)
}

func (s *Site) reviewsPage(w http.ResponseWriter, r *http.Request, st *staff) {
	rs, err := s.hub.Reviews(r.Context())
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, st, "reviews", "Reroutes waiting for a supervisor", "reviews", rs)
}

func (s *Site) customerPhoto(w http.ResponseWriter, r *http.Request, _ *staff) {
	data, mime, err := s.hub.Photo(r.Context(), "", r.PathValue("id"))
	s.writeImage(w, r, data, mime, err)
}

func (s *Site) benchPhoto(w http.ResponseWriter, r *http.Request, _ *staff) {
	data, mime, err := s.hub.BlobOf(r.Context(), r.PathValue("sha"))
	s.writeImage(w, r, data, mime, err)
}

func (s *Site) writeImage(w http.ResponseWriter, r *http.Request, data []byte, mime string, err error) {
	if err != nil {
		s.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(data)
}
