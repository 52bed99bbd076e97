package sellers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/schedule"
	"github.com/intakebench/intakebench/hub/sellers"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

const one = "00000000-0000-0000-0000-000000000001"

// profile is a seller whose constraints take seed 004's example item.
const profile = `{"name":"Seller One","businessModel":"Buyback","currency":"EUR",
 "countries":[{"isoCode":"PT","name":"Portugal","hasAvailableBuyers":true},{"isoCode":"ES","name":"Spain","hasAvailableBuyers":false}],
 "brands":[{"id":"` + one + `","name":"BrandName1","hasAvailableBuyers":true}],
 "categories":[{"id":"` + one + `","name":"CategoryName1","hasAvailableBuyers":true,
   "attributes":[{"id":"a-size","name":"Size","required":true,"values":[{"id":"v-size1","label":"Size1"}]},
                 {"id":"a-cond","name":"Condition","required":true,"values":[{"id":"v-cond1","label":"Conditions1"}]},
                 {"id":"a-extras","name":"Extras","multiple":true,"values":[{"id":"v-box","label":"Box"}]}],
   "photos":[{"name":"Front","order":0,"required":true}]}]}`

// submission is seed 004's SubmissionCreatedEvent example as a request.
const submission = `{"externalId":"ExternalId1","countryCode":"PT",
 "customerInformation":{"name":"Name1","lastName":"Lastname1","email":"Email1",
   "address":{"firstLine":"FirstLine1","secondLine":"SecondLine1","zipCode":"ZipCode1","city":"City1","state":"State1","country":"Country1"},
   "telephoneNumber":{"countryCode":"CountryCode1","number":"Number1"}},
 "items":[{"externalId":"ExternalId1","categoryId":"` + one + `","brandId":"` + one + `","model":"Model1","description":"Description1",
   "attributes":[{"id":"a-size","values":["v-size1"]},{"id":"a-cond","values":["v-cond1"]},{"id":"a-extras","values":["v-box"]}],
   "files":[{"type":"Photos","location":"http://my-assets/1.jpg","metadata":{"name":"Front"}}]}]}`

// seedCreated is seed 004's SubmissionCreatedEvent, verbatim.
const seedCreated = `{
    "type": "SubmissionCreatedEvent",
    "token": "5b8811f2-d70a-4b30-99e9-9839e39c6719",
    "result": {
        "timestamp": "2022-11-28T14:08:24.236372Z",
        "submissionId": "00000000-0000-0000-0000-000000000001",
        "externalId": "ExternalId1",
        "externalReference": "QC123456",
        "countryOfOrigin": "PT",
        "items": [
            {
                "itemId": "00000000-0000-0000-0000-000000000001",
                "size": "Size1",
                "conditions": "Conditions1",
                "categoryId": "00000000-0000-0000-0000-000000000001",
                "categoryName": "CategoryName1",
                "brandId": "00000000-0000-0000-0000-000000000001",
                "brandName": "BrandName1",
                "model": "Model1",
                "description": "Description1",
                "assets": [
                    "http://my-assets/1.jpg"
                ],
                "extras": [
                    "Box"
                ],
                "externalId": "ExternalId1"
            }
        ],
        "customerInformation": {
            "name": "Name1",
            "lastname": "Lastname1",
            "email": "Email1",
            "address": {
                "firstLine": "FirstLine1",
                "secondLine": "SecondLine1",
                "zipCode": "ZipCode1",
                "city": "City1",
                "state": "State1",
                "country": "Country1"
            },
            "telephoneNumber": {
                "countryCode": "CountryCode1",
                "number": "Number1"
            }
        }
    }
}`

type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	ids    []string
}

type env struct {
	t        testing.TB
	hub      *hub.Hub
	clock    *clock.Fake
	hooks    *webhook.Dispatcher
	sched    *schedule.Scheduler
	srv      *httptest.Server
	recv     *receiver
	secret   string
	ids      map[string][]string
	sellerID string
	key      string
	api      *sellers.API
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, clock: clock.NewFake(time.Date(2022, 11, 28, 14, 8, 24, 236372000, time.UTC)), recv: &receiver{}, ids: map[string][]string{}}
	h, err := hub.Open(ctx, hubtest.DSN(t), hub.Config{Now: e.clock.Now})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	e.hub = h
	e.hooks, err = webhook.New(h.DB(), webhook.Config{AllowPrivateTargets: true, Now: e.clock.Now})
	require.NoError(t, err)
	api, err := sellers.New(h, e.hooks, sellers.WithIDs(func(kind string) string {
		if q := e.ids[kind]; len(q) > 0 {
			e.ids[kind] = q[1:]
			return q[0]
		}
		if kind == "reference" {
			return ""
		}
		return kind + "-" + strings.ToLower(time.Now().Format("150405.000000000"))
	}))
	require.NoError(t, err)
	e.api = api
	e.sched = schedule.New(h)
	e.sched.Handle(sellers.StepReminder5, api.RunStep)
	e.sched.Handle(sellers.StepReminder12, api.RunStep)
	e.sched.OnExpiry(api.OfferExpired)
	mux := http.NewServeMux()
	mux.Handle("/", hub.NewServer(h)) // the benches' API
	mux.Handle("/v2/sellers/", api.Handler())
	mux.Handle("/admin/sellers/", http.StripPrefix("/admin/sellers", api.AdminHandler()))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if webhook.VerifyAt(e.secret, r.Header, b, 5*time.Minute, e.clock.Now()) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		e.recv.mu.Lock()
		e.recv.bodies, e.recv.ids = append(e.recv.bodies, b), append(e.recv.ids, r.Header.Get(webhook.HeaderID))
		e.recv.mu.Unlock()
	}))
	t.Cleanup(rs.Close)
	e.sellerID = "seller-1"
	res := e.do("PUT", "/admin/sellers/"+e.sellerID, "", profile)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	var k struct{ Key string }
	require.NoError(t, json.Unmarshal(res.body, &k))
	e.key = k.Key
	res = e.do("POST", "/v2/sellers/"+e.sellerID+"/webhooks", e.key, `{"url":"`+rs.URL+`/hook"}`)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	var wh struct{ Secret string }
	require.NoError(t, json.Unmarshal(res.body, &wh))
	e.secret = wh.Secret
	return e
}

type response struct {
	status int
	body   []byte
}

func (e *env) do(method, path, key, body string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader([]byte(body)))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return response{resp.StatusCode, b}
}

// events delivers what is due and returns the bodies received since last.
func (e *env) events() []string {
	e.t.Helper()
	_, err := e.hooks.DeliverDue(context.Background())
	require.NoError(e.t, err)
	e.recv.mu.Lock()
	defer e.recv.mu.Unlock()
	out := make([]string, 0, len(e.recv.bodies))
	for _, b := range e.recv.bodies {
		out = append(out, string(b))
	}
	e.recv.bodies = nil
	return out
}

func code(t *testing.T, r response) string {
	t.Helper()
	var p struct{ Code string }
	require.NoError(t, json.Unmarshal(r.body, &p), "%s", r.body)
	return p.Code
}

func TestSubmissionCreatedEventIsTheSeeds(t *testing.T) {
	e := newEnv(t)
	e.ids["submission"], e.ids["item"] = []string{one}, []string{one}
	e.ids["token"], e.ids["reference"] = []string{"5b8811f2-d70a-4b30-99e9-9839e39c6719"}, []string{"QC123456"}
	res := e.do("POST", "/v2/sellers/"+e.sellerID+"/submissions", e.key, submission)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	got := e.events()
	require.Len(t, got, 1)
	assert.JSONEq(t, seedCreated, got[0])
	// The item is a trade-in in the one status machine.
	var tis []intake.TradeIn
	require.NoError(t, e.hub.DB().View(context.Background(), func(tx *hubdb.Tx) (err error) {
		_, err = tx.TradeIn(context.Background(), "sli_00000000000000000000000000000001")
		return err
	}))
	_ = tis
}

func TestOfferRemindersAndRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	base := "/v2/sellers/" + e.sellerID + "/submissions"
	// A wrong attribute value and a missing photo: field by field, nothing made.
	bad := strings.Replace(strings.Replace(submission, `"v-size1"`, `"v-nope"`, 1), `"metadata":{"name":"Front"}`, `"metadata":{"name":"Back"}`, 1)
	res := e.do("POST", base, e.key, bad)
	require.Equal(t, http.StatusUnprocessableEntity, res.status, "%s", res.body)
	assert.Contains(t, string(res.body), `"field":"items[0].attributes[0].values[0]"`)
	assert.Contains(t, string(res.body), `"field":"items[0].files[0].metadata.name"`)
	assert.Empty(t, e.events())
	// Another seller's path.
	res = e.do("POST", "/v2/sellers/seller-2/submissions", e.key, submission)
	assert.Equal(t, http.StatusForbidden, res.status)

	e.ids["submission"], e.ids["item"] = []string{"sub-1"}, []string{"item-1"}
	res = e.do("POST", base, e.key, submission)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	require.Len(t, e.events(), 1)
	item := base + "/sub-1/items/item-1"
	// A missing cancel reason.
	res = e.do("POST", item+"/cancel", e.key, `{"reason":""}`)
	assert.Equal(t, "validation_failed", code(t, res))

	e.ids["offer"] = []string{"offer-1"}
	res = e.do("POST", "/admin/sellers/"+e.sellerID+"/submissions/sub-1/items/item-1/accept", "", `{"offerPrice":{"currencyIsoCode":"EUR","amount":100}}`)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	got := e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"type":"SubmissionItemAcceptedEvent"`)
	assert.Contains(t, got[0], `"offerPrice":{"currencyIsoCode":"EUR","amount":100}`)
	// Cancel after an offer: refused, nothing changes.
	res = e.do("POST", item+"/cancel", e.key, `{"reason":"Other"}`)
	assert.Equal(t, "item_has_offer", code(t, res))

	// Day 4: nothing; day 5: the first reminder; day 12: the second; each once.
	e.clock.Advance(4 * 24 * time.Hour)
	_, err := e.sched.RunDue(ctx)
	require.NoError(t, err)
	assert.Empty(t, e.events())
	e.clock.Advance(24 * time.Hour)
	_, err = e.sched.RunDue(ctx)
	require.NoError(t, err)
	_, err = e.sched.RunDue(ctx)
	require.NoError(t, err)
	got = e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"daysAfterOfferCreation":5`)
	assert.Contains(t, got[0], `"expirationDaysLeft":25`)
	e.clock.Advance(7 * 24 * time.Hour)
	_, err = e.sched.RunDue(ctx)
	require.NoError(t, err)
	got = e.events()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], `"daysAfterOfferCreation":12`)

	res = e.do("POST", item+"/offer", e.key, `{"action":"Accept"}`)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	var tin intake.TradeIn
	require.NoError(t, e.hub.DB().View(ctx, func(tx *hubdb.Tx) (err error) {
		tin, err = tx.TradeIn(ctx, "sli_item1")
		return err
	}))
	assert.Equal(t, intake.StatusAccepted, tin.Status)
	assert.Equal(t, intake.Cents(10000), tin.Offer)
}
