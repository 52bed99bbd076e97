// Package upgrade is seed 003's Upgrade API over HTTP: a trade-in
// programme's customers, their submissions, offers, photos and profile,
// and the programme's admin side, at the seed's paths under
// /api/{tenant}/…, served for one tenant (the hub's programme slug):
//
//	POST   /api/{tenant}/auth/register              {email, password, name, phone}            anyone
//	POST   /api/{tenant}/auth/login                 {email, password} → {token, …}            anyone
//	POST   /api/{tenant}/auth/logout                                                          customer
//	GET    /api/{tenant}/auth/me                                                              customer
//	GET    /api/{tenant}/submissions?status&limit&cursor                                      customer (own) or admin (all)
//	POST   /api/{tenant}/submissions                {product_id, serial_number, condition, description, photos}  customer
//	GET    /api/{tenant}/submissions/{id}                                                     owner or admin
//	PUT    /api/{tenant}/submissions/{id}           the create body; a draft only            owner
//	POST   /api/{tenant}/submissions/{id}           submit for review                         owner
//	POST   /api/{tenant}/submissions/{id}/imei-check {imei}  seed 001's IMEI check             admin
//	POST   /api/{tenant}/submissions/{id}/ship      {tracking_number}                         owner or admin
//	POST   /api/{tenant}/submissions/{id}/receive                                             admin
//	POST   /api/{tenant}/submissions/{id}/inspect   {condition, notes}                        admin
//	POST   /api/{tenant}/offers                     {submission_id, amount, notes, expires_at} admin
//	POST   /api/{tenant}/offers/{id}                {action: accept|decline, reason}          owner
//	GET    /api/{tenant}/offers/{id}/respond?token  the e-mailed link: a page with the offer  the link's holder
//	POST   /api/{tenant}/offers/{id}/respond?token  its form: action=accept|decline, reason   the link's holder
//	POST   /api/{tenant}/photos                     image bytes, or multipart field "photo"   customer
//	GET    /api/{tenant}/photos/{id}                                                          owner or admin
//	GET    /api/{tenant}/profile                                                              customer
//	PUT    /api/{tenant}/profile                    {name, phone, address, payout_method, stripe_account}  customer
//	GET    /api/{tenant}/admin/valuations                                                     admin
//	POST   /api/{tenant}/admin/valuations           {product_id, base_value}                  admin
//	GET    /api/{tenant}/admin/valuations/{id}                                                admin
//	PUT    /api/{tenant}/admin/valuations/{id}      {product_id, base_value}                  admin
//	DELETE /api/{tenant}/admin/valuations/{id}                                                admin
//	GET    /api/{tenant}/admin/customers?limit&cursor                                         admin
//	GET    /api/{tenant}/admin/stats                                                          admin
//	GET    /api/{tenant}/admin/queue?status&limit&cursor  the operator's queue, with counts   admin
//	GET    /api/{tenant}/admin/sites                    the sites (sites.go), each with its benches  admin
//	POST   /api/{tenant}/admin/sites                {id, name, kind: warehouse|store}         admin
//	PUT    /api/{tenant}/admin/benches/{id}/site    {site} (null: none)                       admin
//	PUT    /api/{tenant}/admin/operators/{id}/site  {site} (null: none)                       admin
//	PUT    /api/{tenant}/admin/tradeins/{id}/site   {site} (null: none)                       admin
//	POST   /api/{tenant}/admin/tradeins/{id}/receipt-email  e-mail a walk-in's receipt again   admin
//	GET    /api/{tenant}/admin/units/{label}        the submission of the unit a label names  admin
//	POST   /api/{tenant}/admin/tradeins/{id}/payout-retry   release a failed card payout again  admin
//
// Every request is authenticated by `Authorization: Bearer <token>`: a
// customer's session token (from login), or an admin's hub API key with
// the tradeins:admin scope. Money is a JSON number with two decimals
// (350.00), read and written as decimal text and kept in integer cents:
// no float ever holds an amount. Refusals are RFC 9457 problems
// (application/problem+json) with a stable code, the trade-in's
// current_status for a move its status does not allow (409), and the
// rejected fields in errors.
//
// The handlers only translate: every rule (the status machine, the IMEI
// check before an offer, ownership, expiry) is the hub's.
package upgrade

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/intakebench/intakebench/hub"
)

// MaxJSONBody bounds a JSON request body.
const MaxJSONBody = 64 << 10

// API serves the Upgrade API of one tenant.
type API struct {
	hub      *hub.Hub
	tenant   string
	prefix   string // /api/{tenant}
	log      *slog.Logger
	clientIP func(*http.Request) string
	currency string
}

// Option configures an API.
type Option func(*API)

// WithLogger sets the logger. Tokens and API keys are never logged.
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithClientIP sets how a request's client address is found, for the
// hub's login rate limit: behind a reverse proxy, from the header it
// sets. By default it is the connection's remote address.
func WithClientIP(f func(*http.Request) string) Option { return func(a *API) { a.clientIP = f } }

// WithCurrencySymbol sets the symbol amounts are shown with on the offer
// link's page ("$" by default). JSON amounts carry no symbol.
func WithCurrencySymbol(s string) Option { return func(a *API) { a.currency = s } }

// CheckTenant refuses a tenant slug the API cannot be served under: one
// that is not 1 to 40 of [a-z0-9-], or a path segment /api/ serves
// already (seed 000's /api/v1, a future /api/v2, seed 002's /api/pricing).
func CheckTenant(tenant string) error {
	slug := len(tenant) >= 1 && len(tenant) <= 40 && !strings.ContainsFunc(tenant, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-'
	})
	if !slug {
		return fmt.Errorf("upgrade: tenant %q is not a slug of 1 to 40 lowercase letters, digits and dashes", tenant)
	}
	switch tenant {
	case "v1", "v2", "pricing":
		return fmt.Errorf("upgrade: tenant %q is reserved: /api/%s serves another API", tenant, tenant)
	}
	return nil
}

// New returns the Upgrade API of tenant on h.
func New(h *hub.Hub, tenant string, opts ...Option) (*API, error) {
	if h == nil {
		return nil, errors.New("upgrade: New needs a hub")
	}
	if err := CheckTenant(tenant); err != nil {
		return nil, err
	}
	a := &API{hub: h, tenant: tenant, prefix: "/api/" + tenant, log: slog.New(slog.DiscardHandler), clientIP: remoteIP, currency: "$"}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

// Tenant is the tenant the API serves.
func (a *API) Tenant() string { return a.tenant }

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Handler serves the routes listed in the package documentation, at their
// full paths (/api/{tenant}/…); anything else under them is a 404 problem.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	r := &router{mux: mux, prefix: a.prefix}

	r.route("/auth/register", methods{"POST": a.open(a.handleRegister)})
	r.route("/auth/login", methods{"POST": a.open(a.handleLogin)})
	r.route("/auth/logout", methods{"POST": a.customer(a.handleLogout)})
	r.route("/auth/me", methods{"GET": a.customer(a.handleMe)})

	r.route("/submissions", methods{"GET": a.customerOrAdmin(a.handleListSubmissions), "POST": a.customer(a.handleCreateSubmission)})
	r.route("/submissions/{id}", methods{
		"GET":  a.customerOrAdmin(a.handleGetSubmission),
		"PUT":  a.customer(a.handleUpdateSubmission),
		"POST": a.customer(a.handleSubmitSubmission),
	})
	r.route("/submissions/{id}/imei-check", methods{"POST": a.admin(a.handleIMEICheck)})
	r.route("/submissions/{id}/ship", methods{"POST": a.customerOrAdmin(a.handleShip)})
	r.route("/submissions/{id}/receive", methods{"POST": a.admin(a.handleReceive)})
	r.route("/submissions/{id}/inspect", methods{"POST": a.admin(a.handleInspect)})

	r.route("/offers", methods{"POST": a.admin(a.handleCreateOffer)})
	r.route("/offers/{id}", methods{"POST": a.customer(a.handleAnswerOffer)})
	r.route("/offers/{id}/respond", methods{"GET": http.HandlerFunc(a.handleLinkPage), "POST": http.HandlerFunc(a.handleLinkAnswer)})

	r.route("/photos", methods{"POST": a.customer(a.handleUploadPhoto)})
	r.route("/photos/{id}", methods{"GET": a.customerOrAdmin(a.handleGetPhoto)})

	r.route("/profile", methods{"GET": a.customer(a.handleMe), "PUT": a.customer(a.handleUpdateProfile)})

	r.route("/admin/valuations", methods{"GET": a.admin(a.handleListValuations), "POST": a.admin(a.handleCreateValuation)})
	r.route("/admin/valuations/{id}", methods{
		"GET":    a.admin(a.handleGetValuation),
		"PUT":    a.admin(a.handleUpdateValuation),
		"DELETE": a.admin(a.handleDeleteValuation),
	})
	r.route("/admin/customers", methods{"GET": a.admin(a.handleListCustomers)})
	r.route("/admin/stats", methods{"GET": a.admin(a.handleStats)})
	r.route("/admin/queue", methods{"GET": a.admin(a.handleQueue)})
	r.route("/admin/sites", methods{"GET": a.admin(a.handleListSites), "POST": a.admin(a.handleCreateSite)})
	r.route("/admin/benches/{id}/site", methods{"PUT": a.admin(a.handleAssignBench)})
	r.route("/admin/operators/{id}/site", methods{"PUT": a.admin(a.handleAssignOperator)})
	r.route("/admin/tradeins/{id}/site", methods{"PUT": a.admin(a.handleAssignTradeIn)})
	r.route("/admin/tradeins/{id}/receipt-email", methods{"POST": a.admin(a.handleReceiptEmail)})
	r.route("/admin/units/{label}", methods{"GET": a.admin(a.handleUnitByLabel)})
	r.route("/admin/tradeins/{id}/payout-retry", methods{"POST": a.admin(a.handlePayoutRetry)})

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.writeProblem(w, r, &requestError{status: http.StatusNotFound, code: codeNotFound, detail: "No such endpoint: " + r.Method + " " + r.URL.Path + "."})
	})
	return mux
}

// methods maps an HTTP method to its handler on one path.
type methods map[string]http.Handler

type router struct {
	mux    *http.ServeMux
	prefix string
}

// route registers the handlers of a path, and a 405 problem naming the
// allowed methods for its other methods: without it the catch-all would
// answer 404, which sends a client looking for the wrong mistake.
func (r *router) route(path string, ms methods) {
	allowed := make([]string, 0, len(ms))
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		if h, ok := ms[m]; ok {
			r.mux.Handle(m+" "+r.prefix+path, h)
			allowed = append(allowed, m)
		}
	}
	allow := strings.Join(allowed, ", ")
	r.mux.HandleFunc(r.prefix+path, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", allow)
		writeProblemBody(w, &problem{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed,
			Detail: req.Method + " is not allowed here; use " + allow + "."})
	})
}
