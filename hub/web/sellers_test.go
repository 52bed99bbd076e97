package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/sellers"
	"github.com/intakebench/intakebench/hub/web"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
)

// phoneShop is a seller of phones: Apple only, storage, carrier and
// condition, a front photo required and a screen photo optional, in EUR.
const phoneShop = `{"name":"Phone Shop","businessModel":"Buyback","currency":"EUR",
 "countries":[{"isoCode":"PT","name":"Portugal","hasAvailableBuyers":true}],
 "brands":[{"id":"b-apple","name":"Apple","hasAvailableBuyers":true}],
 "categories":[{"id":"c-phones","name":"Phones","hasAvailableBuyers":true,
   "attributes":[{"id":"a-storage","name":"Storage","required":true,"values":[{"id":"v-128","label":"128GB"}]},
                 {"id":"a-carrier","name":"Carrier","required":true,"values":[{"id":"v-unlocked","label":"Unlocked"}]},
                 {"id":"a-cond","name":"Condition","required":true,"values":[{"id":"v-good","label":"Good"}]}],
   "photos":[{"name":"Front","order":0,"required":true},{"name":"Screen","order":1}]}]}`

// threePhones is a submission of three iPhone 13s, each with its front photo.
var threePhones = func() string {
	item := func(n string) string {
		return `{"externalId":"shop-item-` + n + `","categoryId":"c-phones","brandId":"b-apple","model":"iPhone 13","description":"Phone ` + n + `",
		 "attributes":[{"id":"a-storage","values":["v-128"]},{"id":"a-carrier","values":["v-unlocked"]},{"id":"a-cond","values":["v-good"]}],
		 "files":[{"type":"Photos","location":"https://photos.example/` + n + `-front.jpg","metadata":{"name":"Front"}}]}`
	}
	return `{"externalId":"order-77","countryCode":"PT",
	 "customerInformation":{"name":"Ana","lastName":"Silva","email":"ana@example.com",
	   "address":{"firstLine":"Rua 1","secondLine":"","zipCode":"1000-001","city":"Lisboa","state":"Lisboa","country":"PT"},
	   "telephoneNumber":{"countryCode":"351","number":"912345678"}},
	 "items":[` + item("1") + `,` + item("2") + `,` + item("3") + `]}`
}()

// sellerEnv is env with seed 004's Sellers API on its hub, offered on the
// dashboard, a seller of phones and the seller's webhook receiver.
type sellerEnv struct {
	*env
	api    *sellers.API
	hooks  *webhook.Dispatcher
	ids    map[string][]string
	key    string
	secret string

	mu     sync.Mutex
	bodies []string
}

const shop = "shop-1"

func newSellerEnv(t *testing.T) *sellerEnv {
	t.Helper()
	s := &sellerEnv{ids: map[string][]string{}}
	s.env = newEnvWith(t, func(h *hub.Hub, c *clock.Fake, srv *hub.Server) []web.Option {
		var err error
		s.hooks, err = webhook.New(h.DB(), webhook.Config{AllowPrivateTargets: true, Now: c.Now})
		require.NoError(t, err)
		s.api, err = sellers.New(h, s.hooks, sellers.WithIDs(s.newID))
		require.NoError(t, err)
		srv.Mount("/v2/sellers/", s.api.Handler())
		srv.Mount("/admin/sellers/", http.StripPrefix("/admin/sellers", s.api.AdminHandler()))
		return []web.Option{web.WithSellers(s.api)}
	})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if webhook.VerifyAt(s.secret, r.Header, b, 5*time.Minute, s.clock.Now()) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.mu.Unlock()
	}))
	t.Cleanup(recv.Close)

	status, body := s.call(http.MethodPut, "/admin/sellers/"+shop, "", phoneShop)
	require.Equal(t, http.StatusCreated, status, body)
	var k struct{ Key string }
	require.NoError(t, json.Unmarshal([]byte(body), &k))
	s.key = k.Key
	status, body = s.call(http.MethodPost, "/v2/sellers/"+shop+"/webhooks", s.key, `{"url":"`+recv.URL+`/hook"}`)
	require.Equal(t, http.StatusCreated, status, body)
	var wh struct{ Secret string }
	require.NoError(t, json.Unmarshal([]byte(body), &wh))
	s.secret = wh.Secret
	return s
}

// newID gives the ids queued for a kind, then the hub's own kind of id.
func (s *sellerEnv) newID(kind string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.ids[kind]; len(q) > 0 {
		s.ids[kind] = q[1:]
		return q[0]
	}
	if kind == "reference" {
		return ""
	}
	return kind + "-unexpected"
}

func (s *sellerEnv) queueIDs(kind string, ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids[kind] = append(s.ids[kind], ids...)
}

// call is a request to the Sellers API or its admin side.
func (s *sellerEnv) call(method, path, key, body string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewReader([]byte(body)))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	p := s.do(http.DefaultClient, req)
	return p.status, p.body
}

// events delivers the events due and returns those the seller received
// since the last call.
func (s *sellerEnv) events() []string {
	s.t.Helper()
	_, err := s.hooks.DeliverDue(context.Background())
	require.NoError(s.t, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.bodies
	s.bodies = nil
	return out
}

// submitThree has the seller submit threePhones as sub-1 with items
// item-1, item-2 and item-3, and takes the SubmissionCreatedEvent.
func (s *sellerEnv) submitThree() {
	s.t.Helper()
	s.queueIDs("submission", "sub-1")
	s.queueIDs("item", "item-1", "item-2", "item-3")
	s.queueIDs("token", "tok-created")
	status, body := s.call(http.MethodPost, "/v2/sellers/"+shop+"/submissions", s.key, threePhones)
	require.Equal(s.t, http.StatusCreated, status, body)
	got := s.events()
	require.Len(s.t, got, 1)
	require.Contains(s.t, got[0], `"type":"SubmissionCreatedEvent"`)
}

// tradeIn is an item's trade-in with its history.
func (s *sellerEnv) tradeIn(id string) (intake.TradeIn, []hubdb.HistoryEntry) {
	s.t.Helper()
	v, err := s.hub.Submission(context.Background(), "", id)
	require.NoError(s.t, err)
	return v.TradeIn, v.History
}

const itemPath = "/dashboard/sellers/" + shop + "/submissions/sub-1/items/"

// TestSupervisorsActOnSellerItems: from the dashboard, a supervisor
// accepts a seller's phone with an offer and uplifts it, asks for photos
// of another and rejects a third; each step is recorded as the
// supervisor's and tells the seller in seed 004's event.
func TestSupervisorsActOnSellerItems(t *testing.T) {
	e := newSellerEnv(t)
	e.submitThree()
	staffC, p := e.login(supervisor, superPIN)
	require.Equal(t, http.StatusSeeOther, p.status)

	list := e.get(staffC, "/dashboard/sellers")
	require.Equal(t, http.StatusOK, list.status, list.body)
	assert.Contains(t, list.body, `<a href="/dashboard/sellers" aria-current="page">Seller items</a>`)
	assert.Contains(t, list.body, `<dt>Seller</dt><dd>Phone Shop (shop-1)</dd>`)
	assert.Contains(t, list.body, `<dt>Storage</dt><dd>128GB</dd><dt>Carrier</dt><dd>Unlocked</dd><dt>Condition</dt><dd>Good</dd>`)
	assert.Contains(t, list.body, `<a href="https://photos.example/1-front.jpg" rel="noopener noreferrer">Front</a>`)
	assert.Contains(t, list.body, `<label for="acc-amount-0">Offer (EUR)</label>`)
	assert.Contains(t, list.body, `<option value="ConditionNotAccepted">Condition not accepted</option>`)
	assert.Contains(t, list.body, `<option value="InsufficientInformation">Insufficient information</option>`)
	for _, photo := range []string{"Front", "Screen", "Back", "Corner", "Hardware", "Inside", "Zipper"} {
		assert.Contains(t, list.body, `name="photo" value="`+photo+`">`+photo+`</label>`)
	}
	assert.Equal(t, 3, strings.Count(list.body, `<article class="card"`))
	assert.Equal(t, 3, strings.Count(list.body, "to review</span>"))
	token := csrf(t, list)

	// Accept item 1 with an offer of EUR 120.50, the default 30 days.
	e.queueIDs("offer", "offer-1")
	e.queueIDs("token", "tok-accepted")
	p = e.post(staffC, itemPath+"item-1/accept", url.Values{"csrf": {token}, "currency": {"EUR"}, "amount": {"120.50"}, "expires": {""}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "/dashboard/sellers?done=accept", p.header.Get("Location"))
	ti, history := e.tradeIn("sli_item1")
	assert.Equal(t, intake.StatusOffered, ti.Status)
	assert.Equal(t, intake.Cents(12050), ti.Offer)
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusSubmitted, To: intake.StatusOffered, Actor: "operator:op-super-1",
		At: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)}, history[len(history)-1])
	got := e.events()
	require.Len(t, got, 1)
	assert.JSONEq(t, `{"type":"SubmissionItemAcceptedEvent","token":"tok-accepted","result":{
		"timestamp":"2024-01-15T00:00:00Z","submissionId":"sub-1","itemId":"item-1","offerId":"offer-1",
		"offerPrice":{"currencyIsoCode":"EUR","amount":120.5},
		"itemDescription":"Phone 1","itemImageCover":"https://photos.example/1-front.jpg","categoryName":"Phones",
		"itemBrandName":"Apple","itemSize":"128GB","itemCondition":"Good","itemExtras":[],
		"customerInformation":{"name":"Ana","lastname":"Silva","email":"ana@example.com",
		  "address":{"firstLine":"Rua 1","secondLine":"","zipCode":"1000-001","city":"Lisboa","state":"Lisboa","country":"PT"},
		  "telephoneNumber":{"countryCode":"351","number":"912345678"}}}}`, got[0])
	list = e.get(staffC, p.header.Get("Location"))
	assert.Contains(t, list.body, `<p class="ok" role="status">Offer sent: the seller is told, and reminded after 5 and 12 days while the customer has not answered.</p>`)
	assert.Contains(t, list.body, `<dt>Open offer</dt><dd>EUR 120.50, until 14 Feb 2024 00:00 UTC</dd>`)

	// Uplift it by 10% of its base: 120.50 + 12.05.
	e.queueIDs("promotion", "promo-1")
	e.queueIDs("token", "tok-uplift")
	p = e.post(staffC, itemPath+"item-1/uplift", url.Values{"csrf": {token}, "percentage": {"10"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	ti, history = e.tradeIn("sli_item1")
	assert.Equal(t, intake.Cents(13255), ti.Offer)
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusOffered, To: intake.StatusOffered, Actor: "operator:op-super-1",
		Reason: "Uplifted the offer by 10%: 132.55 EUR.", At: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)}, history[len(history)-1])
	got = e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"type":"OfferUpdatedWithBuyerUpliftEvent"`)
	assert.Contains(t, got[0], `"basePrice":{"currencyIsoCode":"EUR","amount":120.5},"totalPrice":{"currencyIsoCode":"EUR","amount":132.55}`)
	assert.Contains(t, got[0], `{"id":"promo-1","offerId":"offer-1","name":"BuyerUplift","percentage":10,"price":{"currencyIsoCode":"EUR","amount":12.05},"createdAt":"2024-01-15T00:00:00"}`)
	list = e.get(staffC, "/dashboard/sellers")
	assert.Contains(t, list.body, `<dt>Open offer</dt><dd>EUR 132.55 (base EUR 120.50, uplifts 10%), until 14 Feb 2024 00:00 UTC</dd>`)

	// Ask for the screen and the back of item 3: it waits for them.
	e.queueIDs("token", "tok-more")
	p = e.post(staffC, itemPath+"item-3/more-information", url.Values{"csrf": {token}, "photo": {"Screen", "Back"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	got = e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"type":"SubmissionMoreInformationAskedEvent","token":"tok-more"`)
	assert.Contains(t, got[0], `"additionalPhotos":["Screen","Back"]`)
	ti, history = e.tradeIn("sli_item3")
	assert.Equal(t, intake.StatusSubmitted, ti.Status)
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusSubmitted, To: intake.StatusSubmitted, Actor: "operator:op-super-1",
		Reason: "Asked the seller for photos: Screen, Back.", At: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)}, history[len(history)-1])
	list = e.get(staffC, "/dashboard/sellers")
	assert.Contains(t, list.body, `<dt>Asked for</dt><dd>Screen, Back: not sent yet</dd>`)
	assert.Contains(t, list.body, "waiting for photos</span>")
	// An offer waits for the photos: refused at the item, nothing sent.
	p = e.post(staffC, itemPath+"item-3/accept", url.Values{"csrf": {token}, "currency": {"EUR"}, "amount": {"99"}})
	require.Equal(t, http.StatusConflict, p.status)
	assert.Contains(t, p.body, `role="alert" id="item-msg-2">Item item-3 waits for the photos asked for: Screen, Back.</p>`)
	assert.Empty(t, e.events())

	// Reject item 2: declined with the reason, and it leaves the list.
	e.queueIDs("token", "tok-rejected")
	p = e.post(staffC, itemPath+"item-2/reject", url.Values{"csrf": {token}, "reason": {"ConditionNotAccepted"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	ti, history = e.tradeIn("sli_item2")
	assert.Equal(t, intake.StatusDeclined, ti.Status)
	assert.Equal(t, hubdb.HistoryEntry{From: intake.StatusSubmitted, To: intake.StatusDeclined, Actor: "operator:op-super-1",
		Reason: "rejected by the buyers: ConditionNotAccepted", At: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)}, history[len(history)-1])
	got = e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"type":"SubmissionItemRejectedEvent","token":"tok-rejected"`)
	assert.Contains(t, got[0], `"rejectionReason":"ConditionNotAccepted"`)
	list = e.get(staffC, "/dashboard/sellers?done=reject")
	assert.Contains(t, list.body, "Item rejected: the seller is told the reason.")
	assert.Equal(t, 2, strings.Count(list.body, `<article class="card"`))
	assert.NotContains(t, list.body, `id="item-item-2"`)
	// Rejected again (a second tab): refused at the top, since the item is
	// no longer listed.
	p = e.post(staffC, itemPath+"item-2/reject", url.Values{"csrf": {token}, "reason": {"Duplicate"}})
	require.Equal(t, http.StatusConflict, p.status)
	assert.Contains(t, p.body, `<p class="msg error" role="alert">Item item-2 is Rejected: only a submitted item is rejected.</p>`)
	assert.Empty(t, e.events())
}

// TestSellerItemFormsRefuseBadInput: each bad form is refused with a
// message beside its field (or at the item), and changes nothing: no
// step, no event.
func TestSellerItemFormsRefuseBadInput(t *testing.T) {
	e := newSellerEnv(t)
	e.submitThree()
	staffC, _ := e.login(supervisor, superPIN)
	list := e.get(staffC, "/dashboard/sellers")
	require.Equal(t, http.StatusOK, list.status)
	token := csrf(t, list)

	unchanged := func(t *testing.T) {
		t.Helper()
		for _, id := range []string{"sli_item1", "sli_item2", "sli_item3"} {
			ti, history := e.tradeIn(id)
			assert.Equal(t, intake.StatusSubmitted, ti.Status, id)
			assert.Zero(t, ti.Offer, id)
			assert.Len(t, history, 1, id)
		}
		assert.Empty(t, e.events())
		l := e.get(staffC, "/dashboard/sellers")
		assert.Equal(t, 3, strings.Count(l.body, "to review</span>"), "no item waits for photos or has an offer")
	}

	for _, tc := range []struct {
		name   string
		action string
		form   url.Values
		status int
		want   string
	}{
		{"no amount", "accept", url.Values{"currency": {"EUR"}, "amount": {" "}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="acc-amount-0-err">Type the offer in EUR, such as 100 or 24.99.</p>`},
		{"letters in the amount", "accept", url.Values{"currency": {"EUR"}, "amount": {"12O.50"}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="acc-amount-0-err">Type the offer in EUR as digits with at most two decimals, such as 100 or 24.99.</p>`},
		{"a zero amount", "accept", url.Values{"currency": {"EUR"}, "amount": {"0"}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="acc-amount-0-err">The offer must be a number above 0 with at most two decimals, such as 100 or 24.99.</p>`},
		{"another currency", "accept", url.Values{"currency": {"USD"}, "amount": {"100"}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="acc-amount-0-err">The offer&#39;s currency must be EUR, the seller&#39;s currency.</p>`},
		{"an expiry in the past", "accept", url.Values{"currency": {"EUR"}, "amount": {"100"}, "expires": {"2024-01-14"}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="acc-expires-0-err">The expiry is in the past: choose today or a later day.</p>`},
		{"an expiry not a date", "accept", url.Values{"currency": {"EUR"}, "amount": {"100"}, "expires": {"next week"}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="acc-expires-0-err">Give the expiry as a date such as 2024-02-14, or leave it empty for 30 days.</p>`},
		{"an expiry beyond 90 days", "accept", url.Values{"currency": {"EUR"}, "amount": {"100"}, "expires": {"2024-06-01"}}, http.StatusUnprocessableEntity,
			`role="alert" id="item-msg-0">The offer&#39;s expiry is more than 90 days ahead.</p>`},
		{"no reason", "reject", url.Values{"reason": {""}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="rej-reason-0-err">Choose the reason to reject the item for.</p>`},
		{"an unknown reason", "reject", url.Values{"reason": {"TooUgly"}}, http.StatusUnprocessableEntity,
			`<p class="msg" id="rej-reason-0-err">Choose one of the reasons listed.</p>`},
		{"no photo type", "more-information", url.Values{}, http.StatusUnprocessableEntity,
			`<p class="msg error" id="mi-photos-0-err">Tick at least one photo to ask the seller for.</p>`},
		{"an uplift with no offer", "uplift", url.Values{"percentage": {"10"}}, http.StatusConflict,
			`role="alert" id="item-msg-0">Item item-1 has no open offer to uplift.</p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.post(staffC, itemPath+"item-1/"+tc.action, with(tc.form, "csrf", []string{token}))
			require.Equal(t, tc.status, p.status, p.body)
			assert.Contains(t, p.body, tc.want)
			unchanged(t)
		})
	}

	t.Run("what was typed comes back", func(t *testing.T) {
		p := e.post(staffC, itemPath+"item-1/accept", url.Values{"csrf": {token}, "currency": {"EUR"}, "amount": {"12O.50"}, "expires": {"2024-02-01"}})
		require.Equal(t, http.StatusUnprocessableEntity, p.status)
		assert.Contains(t, p.body, `name="amount" inputmode="decimal" autocomplete="off" value="12O.50" required aria-invalid="true" aria-describedby="acc-amount-0-err">`)
		assert.Contains(t, p.body, `value="2024-02-01">`)
		p = e.post(staffC, itemPath+"item-1/reject", url.Values{"csrf": {token}, "reason": {"TooUgly"}})
		assert.Contains(t, p.body, `<option value="">Choose a reason</option>`)
		unchanged(t)
	})

	t.Run("without the session's CSRF token", func(t *testing.T) {
		for _, bad := range []url.Values{{}, {"csrf": {"forged"}}} {
			form := with(bad, "reason", []string{"Duplicate"})
			p := e.post(staffC, itemPath+"item-1/reject", form)
			require.Equal(t, http.StatusForbidden, p.status)
			assert.Contains(t, p.body, "This form is not from your session")
		}
		unchanged(t)
	})

	t.Run("an unknown item", func(t *testing.T) {
		p := e.post(staffC, itemPath+"item-9/reject", url.Values{"csrf": {token}, "reason": {"Duplicate"}})
		require.Equal(t, http.StatusNotFound, p.status)
		assert.Contains(t, p.body, `Submission sub-1 has no item &#34;item-9&#34;.`)
		unchanged(t)
	})

	t.Run("an uplift not a whole percentage", func(t *testing.T) {
		e.queueIDs("offer", "offer-1")
		e.queueIDs("token", "tok-accepted")
		require.Equal(t, http.StatusSeeOther, e.post(staffC, itemPath+"item-2/accept", url.Values{"csrf": {token}, "currency": {"EUR"}, "amount": {"200"}}).status)
		require.Len(t, e.events(), 1)
		for _, tc := range []struct{ typed, want string }{
			{"ten", "Type the uplift as a whole percentage of the base offer, such as 10."},
			{"150", "The uplift must be a whole number from 1 to 100."},
		} {
			p := e.post(staffC, itemPath+"item-2/uplift", url.Values{"csrf": {token}, "percentage": {tc.typed}})
			require.Equal(t, http.StatusUnprocessableEntity, p.status)
			assert.Contains(t, p.body, `<p class="msg" id="up-pct-1-err">`+tc.want+`</p>`)
		}
		ti, _ := e.tradeIn("sli_item2")
		assert.Equal(t, intake.Cents(20000), ti.Offer)
		assert.Empty(t, e.events())
	})

	t.Run("a supervisor demoted to clerk", func(t *testing.T) {
		hash, err := intake.HashPIN(superPIN, 0)
		require.NoError(t, err)
		require.NoError(t, e.hub.PutOperators(context.Background(), []wire.Operator{{ID: supervisor, Name: "Sam Supervisor", Role: intake.RoleClerk, PINHash: hash}}))
		p := e.post(staffC, itemPath+"item-1/reject", url.Values{"csrf": {token}, "reason": {"Duplicate"}})
		require.Equal(t, http.StatusUnauthorized, p.status)
		assert.Contains(t, p.body, "Your session has ended: log in and do that again.")
		ti, _ := e.tradeIn("sli_item1")
		assert.Equal(t, intake.StatusSubmitted, ti.Status)
		assert.Empty(t, e.events())
		assert.Equal(t, http.StatusSeeOther, e.get(staffC, "/dashboard/sellers").status, "the page sends a clerk to log in")
		_, p = e.login(clerk, clerkPIN)
		assert.Equal(t, http.StatusUnauthorized, p.status, "a clerk cannot log in")
	})
}

// TestSellerItemsNeedTheSellersAPI: a hub whose pages were not given the
// Sellers API offers no seller page and no link to it.
func TestSellerItemsNeedTheSellersAPI(t *testing.T) {
	e := newEnv(t)
	staffC, _ := e.login(supervisor, superPIN)
	q := e.get(staffC, "/dashboard/trade-ins")
	require.Equal(t, http.StatusOK, q.status)
	assert.NotContains(t, q.body, "/dashboard/sellers")
	assert.Equal(t, http.StatusNotFound, e.get(staffC, "/dashboard/sellers").status)
}
