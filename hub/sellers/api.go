// Package sellers is seed 004's Sellers API: retail partners submit items
// for our buyers, at the seed's paths, each seller with a key scoped to
// its own sellerId:
//
//	GET  /v2/sellers/{sellerId}/countries?hasAvailableBuyers
//	GET  /v2/sellers/{sellerId}/categories?countryISOCode&brandId&hasAvailableBuyers
//	GET  /v2/sellers/{sellerId}/brands?hasAvailableBuyers
//	GET  /v2/sellers/{sellerId}/categories/{categoryId}/attributes
//	GET  /v2/sellers/{sellerId}/categories/{categoryId}/photos?brandId
//	POST /v2/sellers/{sellerId}/submissions
//	GET  /v2/sellers/{sellerId}/submissions/{id}
//	POST /v2/sellers/{sellerId}/submissions/{id}/items/{itemId}/cancel   {reason}
//	POST /v2/sellers/{sellerId}/submissions/{id}/items/{itemId}/assets   {type, provider, location, metadata}
//	POST /v2/sellers/{sellerId}/submissions/{id}/items/{itemId}/offer    {action: Accept|Reject}  (ours: the customer's answer)
//	POST /v2/sellers/{sellerId}/webhooks                                  {url, events, secret}
//
// and our buyers' side in the admin API (AdminHandler, behind the
// programme's admin keys): a seller's set-up and key, accept an item with
// an offer, reject it with a reason, ask for more photos, give an uplift.
// Those four steps are methods without HTTP (Accept, Reject,
// AskMoreInformation, Uplift, with Waiting to list what waits), which the
// admin API calls as the generic buyer and the staff's dashboard as the
// supervisor who acted.
//
// Every submitted item is a trade-in in the hub's one status machine
// (source "seller"): it is reviewed, offered for, accepted, shipped,
// received and graded at the benches like any other. Each step that
// seed 004 tells a seller about writes its event, in the seed's envelope
// {type, token, result}, to the webhook outbox in the step's own
// transaction, addressed to the seller's endpoints only.
package sellers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
)

// Outbox is the webhook dispatcher as this package uses it: an event in
// seed 004's envelope for a seller's endpoints, in a step's transaction,
// and a seller's registration. *webhook.Dispatcher is one.
type Outbox interface {
	PublishEnvelopeTx(ctx context.Context, tx *hubdb.Tx, kind, id string, body []byte, endpoints []string) error
	Wake()
	Register(ctx context.Context, rawURL string, events []string, secret string) (webhook.Endpoint, string, error)
}

// Default timings of seed 004's offers.
const (
	// DefaultOfferLife is how long a buyer's offer stands when the buyer
	// gives no expiry.
	DefaultOfferLife = 30 * 24 * time.Hour
	// Reminders go 5 and 12 days after an offer still unanswered.
	FirstReminder  = 5 * 24 * time.Hour
	SecondReminder = 12 * 24 * time.Hour
)

// Step kinds this package schedules (package schedule runs them through
// RunStep).
const (
	StepReminder5  = "seller.offer_reminder.5"
	StepReminder12 = "seller.offer_reminder.12"
)

// API serves seed 004's Sellers API on a hub.
type API struct {
	hub      *hub.Hub
	outbox   Outbox
	log      *slog.Logger
	newID    func(kind string) string
	wakeStep func()
}

// Option configures an API.
type Option func(*API)

// WithLogger sets the logger; keys are never logged.
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithIDs sets how new ids are made, by kind: "submission", "item",
// "offer", "promotion", "token" (an event's), "reference" (empty: the
// hub's numbering). By default a random UUID, and the numbering. Tests
// give the seed's ids.
func WithIDs(f func(kind string) string) Option { return func(a *API) { a.newID = f } }

// WithScheduleWake sets what is told, after a commit, that a timed step
// was scheduled.
func WithScheduleWake(f func()) Option { return func(a *API) { a.wakeStep = f } }

// New returns the Sellers API on h, writing events to outbox.
func New(h *hub.Hub, outbox Outbox, opts ...Option) (*API, error) {
	if h == nil || outbox == nil {
		return nil, errors.New("sellers: New needs a hub and an outbox")
	}
	a := &API{hub: h, outbox: outbox, log: slog.New(slog.DiscardHandler), newID: func(kind string) string {
		if kind == "reference" {
			return ""
		}
		return uuid.NewString()
	}, wakeStep: func() {}}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

// sellerRoute is a route of the seller API and its handler.
type sellerRoute struct {
	pattern string
	handle  sellerHandler
}

func (a *API) sellerRoutes() []sellerRoute {
	const p = "/v2/sellers/{sellerId}"
	return []sellerRoute{
		{"GET " + p + "/countries", a.handleCountries},
		{"GET " + p + "/categories", a.handleCategories},
		{"GET " + p + "/brands", a.handleBrands},
		{"GET " + p + "/categories/{categoryId}/attributes", a.handleAttributes},
		{"GET " + p + "/categories/{categoryId}/photos", a.handlePhotos},
		{"POST " + p + "/submissions", a.handleCreate},
		{"GET " + p + "/submissions/{id}", a.handleGet},
		{"POST " + p + "/submissions/{id}/items/{itemId}/cancel", a.handleCancel},
		{"POST " + p + "/submissions/{id}/items/{itemId}/assets", a.handleAssets},
		{"POST " + p + "/submissions/{id}/items/{itemId}/offer", a.handleAnswer},
		{"POST " + p + "/webhooks", a.handleRegisterWebhook},
	}
}

// contractPattern is where the API's OpenAPI document is served, to
// anyone: it holds no secret.
const contractPattern = "GET /v2/sellers/openapi.yaml"

//go:embed openapi.yaml
var contract []byte

// Routes lists the seller routes ("METHOD /path"), the contract's first.
func (a *API) Routes() []string {
	out := []string{contractPattern}
	for _, r := range a.sellerRoutes() {
		out = append(out, r.pattern)
	}
	return out
}

// Handler serves the seller routes at their full paths (/v2/sellers/…);
// mount it at /v2/sellers/.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range a.sellerRoutes() {
		mux.Handle(r.pattern, a.seller(r.handle))
	}
	mux.HandleFunc(contractPattern, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(contract)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.writeProblem(w, r, refuse(http.StatusNotFound, CodeNotFound, "No such endpoint: %s %.100s.", r.Method, r.URL.Path))
	})
	return mux
}

// adminRoute is a route of our buyers' side and its handler.
type adminRoute struct {
	pattern string
	handle  func(w http.ResponseWriter, r *http.Request) error
}

func (a *API) adminRoutes() []adminRoute {
	const p = "/{sellerId}/submissions/{id}/items/{itemId}"
	return []adminRoute{
		{"PUT /{sellerId}", a.handlePutSeller},
		{"GET /{sellerId}", a.handleGetSeller},
		{"POST " + p + "/accept", a.handleAccept},
		{"POST " + p + "/reject", a.handleReject},
		{"POST " + p + "/more-information", a.handleMoreInfo},
		{"POST " + p + "/uplift", a.handleUplift},
	}
}

// AdminRoutes lists our buyers' routes ("METHOD /path"), relative to where
// AdminHandler is mounted.
func (a *API) AdminRoutes() []string {
	var out []string
	for _, r := range a.adminRoutes() {
		out = append(out, r.pattern)
	}
	return out
}

// AdminHandler serves our buyers' side, at paths relative to where it is
// mounted (strip the prefix; guard it with the admin's credential):
//
//	PUT  /{sellerId}                                   the seller's Profile → {sellerId, key} (a key on creation, or with ?rotateKey=true)
//	GET  /{sellerId}                                   the seller's Profile
//	POST /{sellerId}/submissions/{id}/items/{itemId}/accept        {offerPrice: {currencyIsoCode, amount}, expirationDate}
//	POST /{sellerId}/submissions/{id}/items/{itemId}/reject        {rejectionReason}
//	POST /{sellerId}/submissions/{id}/items/{itemId}/more-information {additionalPhotos}
//	POST /{sellerId}/submissions/{id}/items/{itemId}/uplift        {percentage}
func (a *API) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range a.adminRoutes() {
		mux.HandleFunc(r.pattern, func(w http.ResponseWriter, req *http.Request) {
			if err := r.handle(w, req); err != nil {
				a.writeProblem(w, req, err)
			}
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.writeProblem(w, r, refuse(http.StatusNotFound, CodeNotFound, "No such endpoint: %s %.100s.", r.Method, r.URL.Path))
	})
	return mux
}

// seller is the authenticated seller of a request, with its profile.
type seller struct {
	id      string
	profile Profile
}

type sellerHandler func(w http.ResponseWriter, r *http.Request, s seller) error

// keyHash is what is stored of a seller's key: it is 256 random bits, so
// a plain SHA-256 is enough to keep it from being read back.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// newKey is a seller's key: sk_ and 52 base32 characters.
func newKey() string { return "sk_" + strings.ToLower(rand.Text()) + strings.ToLower(rand.Text()) }

// seller authenticates the bearer key and refuses a path of another
// seller's: a key is scoped to its own sellerId.
func (a *API) seller(h sellerHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if key = strings.TrimSpace(key); !ok || key == "" {
				return refuse(http.StatusUnauthorized, CodeUnauthorized, "Authorization: Bearer <seller key> is required.")
			}
			var s hubdb.Seller
			err := a.hub.DB().View(r.Context(), func(tx *hubdb.Tx) (err error) {
				s, err = tx.SellerByKey(r.Context(), keyHash(key))
				return err
			})
			if errors.Is(err, hubdb.ErrNotFound) {
				return refuse(http.StatusUnauthorized, CodeUnauthorized, "The seller key is unknown or was replaced.")
			}
			if err != nil {
				return err
			}
			if s.ID != r.PathValue("sellerId") {
				return refuse(http.StatusForbidden, CodeForbidden, "This key is seller %s's: it cannot act for seller %.40q.", s.ID, r.PathValue("sellerId"))
			}
			p, err := decodeProfile(s.Doc)
			if err != nil {
				return err
			}
			return h(w, r, seller{id: s.ID, profile: p})
		}()
		if err != nil {
			a.writeProblem(w, r, err)
		}
	})
}
