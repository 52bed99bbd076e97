package upgrade_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/upgrade"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// Test data: the seed's product, a clean IMEI and a blacklisted one (both
// with valid Luhn check digits).
const (
	tenant      = "acme"
	productSKU  = "prod_123"
	cleanIMEI   = "356938035643809"
	flaggedIMEI = "490154203237518"
)

// env is a hub on a fake clock standing at 2024-01-15T00:00:00Z, with the
// seed's product in its catalog, a blacklisted IMEI in its registry, an
// admin API key, and the Upgrade API served over loopback.
type env struct {
	t        *testing.T
	hub      *hub.Hub
	clock    *clock.Fake
	srv      *httptest.Server
	adminKey string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	c := clock.NewFake(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC))
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	h, err := hub.Open(ctx, hubtest.DSN(t), hub.Config{Now: c.Now,
		PublicURL: "http://" + srv.Listener.Addr().String() + "/api/" + tenant})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	require.NoError(t, h.PutVariants(ctx, []wire.Variant{{SKU: productSKU, Make: "Apple", Model: "iPhone 13", Storage: "128GB", Carrier: "Unlocked",
		Prices: intake.PriceTable{intake.ConditionExcellent: 41000, intake.ConditionGood: 35000, intake.ConditionFair: 26000, intake.ConditionPoor: 14000}}}))
	require.NoError(t, h.PutFlags(ctx, []hub.RegistryEntry{{Flag: intake.Flag{IMEI: flaggedIMEI, Kind: intake.FlagBlacklisted,
		Reason: "reported stolen", Since: c.Now()}}}))
	key, _, err := h.IssueAPIKey(ctx, hub.APIKeySpec{Name: "programme admin", Scopes: []string{hub.ScopeTradeInsAdmin}})
	require.NoError(t, err)
	api, err := upgrade.New(h, tenant)
	require.NoError(t, err)
	srv.Config.Handler = api.Handler()
	srv.Start()
	return &env{t: t, hub: h, clock: c, srv: srv, adminKey: key}
}

// response is an answer as the client got it.
type response struct {
	status int
	header http.Header
	body   []byte
}

// fields decodes a JSON answer keeping every value's own text, so that
// money is compared as the digits the API wrote.
func (r response) fields(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// str is a string field of a JSON answer.
func (r response) str(t *testing.T, name string) string {
	t.Helper()
	raw, ok := r.fields(t)[name]
	require.True(t, ok, "no field %q in %s", name, r.body)
	var s string
	require.NoError(t, json.Unmarshal(raw, &s), "field %q of %s", name, r.body)
	return s
}

// raw is the text of a field of a JSON answer ("" when absent).
func (r response) raw(t *testing.T, name string) string {
	t.Helper()
	return string(r.fields(t)[name])
}

// decode decodes a JSON answer into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// problem asserts the answer is a problem with status and code, and
// returns its fields.
func (r response) problem(t *testing.T, status int, code string) map[string]json.RawMessage {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	f := r.fields(t)
	assert.Equal(t, `"`+code+`"`, string(f["code"]), "body: %s", r.body)
	return f
}

// request sends method path with body (a JSON string, or any other bytes
// with contentType) as token's holder: a session token, an API key, or
// nobody ("").
func (e *env) request(method, path, token, contentType string, body []byte) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+"/api/"+tenant+path, rd)
	require.NoError(e.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) response {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// json sends a JSON body ("" for none).
func (e *env) json(method, path, token, body string) response {
	e.t.Helper()
	if body == "" {
		return e.request(method, path, token, "", nil)
	}
	return e.request(method, path, token, "application/json", []byte(body))
}

// customer registers a customer and logs them in, returning their
// session token.
func (e *env) customer(email, name string) string {
	e.t.Helper()
	r := e.json("POST", "/auth/register", "", `{"email":"`+email+`","password":"correct horse battery","name":"`+name+`","phone":"+1 555 0100"}`)
	require.Equal(e.t, http.StatusCreated, r.status, "register: %s", r.body)
	r = e.json("POST", "/auth/login", "", `{"email":"`+email+`","password":"correct horse battery"}`)
	require.Equal(e.t, http.StatusOK, r.status, "login: %s", r.body)
	return r.str(e.t, "token")
}

// submission creates a draft of the product in good condition known by
// serial, as token's customer, and returns its id.
func (e *env) submission(token, serial string) string {
	e.t.Helper()
	r := e.json("POST", "/submissions", token, `{"product_id":"prod_123","serial_number":"`+serial+`","condition":"good","description":"Minor scratches on grip"}`)
	require.Equal(e.t, http.StatusCreated, r.status, "create: %s", r.body)
	return r.str(e.t, "id")
}

// expectStatus asserts a submission answer is 200 with the status.
func (e *env) expectStatus(r response, status intake.Status) {
	e.t.Helper()
	require.Equal(e.t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(e.t, string(status), r.str(e.t, "status"))
}

// at drives a new submission of token's customer to status through the
// API, the way the seed's flow goes, and returns its id and its offer's
// (for offered and beyond).
func (e *env) at(token string, status intake.Status) (id, offerID string) {
	e.t.Helper()
	id = e.submission(token, cleanIMEI)
	if status == intake.StatusDraft {
		return id, ""
	}
	e.expectStatus(e.json("POST", "/submissions/"+id, token, ""), intake.StatusSubmitted)
	if status == intake.StatusSubmitted {
		return id, ""
	}
	r := e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":350.00,"notes":"Based on good condition assessment","expires_at":"2024-02-01T00:00:00Z"}`)
	require.Equal(e.t, http.StatusCreated, r.status, "offer: %s", r.body)
	offerID = r.str(e.t, "id")
	switch status {
	case intake.StatusOffered:
		return id, offerID
	case intake.StatusDeclined:
		e.expectStatus(e.json("POST", "/offers/"+offerID, token, `{"action":"decline","reason":"Too low"}`), intake.StatusDeclined)
		return id, offerID
	}
	e.expectStatus(e.json("POST", "/offers/"+offerID, token, `{"action":"accept"}`), intake.StatusAccepted)
	if status == intake.StatusAccepted {
		return id, offerID
	}
	e.expectStatus(e.json("POST", "/submissions/"+id+"/ship", token, `{"tracking_number":"1Z999AA10123456784"}`), intake.StatusShipped)
	if status == intake.StatusShipped {
		return id, offerID
	}
	e.expectStatus(e.json("POST", "/submissions/"+id+"/receive", e.adminKey, ""), intake.StatusReceived)
	if status == intake.StatusReceived {
		return id, offerID
	}
	e.expectStatus(e.json("POST", "/submissions/"+id+"/inspect", e.adminKey, `{"condition":"good","notes":"as described"}`), intake.StatusCompleted)
	require.Equal(e.t, intake.StatusCompleted, status, "at: no way to %s", status)
	return id, offerID
}

// pngImage is a real 2×2 PNG image.
func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// seedPhotos stores photos under the ids the seed's example names, as if
// the customer had uploaded them, so that the example's body can be sent
// byte for byte.
func (e *env) seedPhotos(customerID string, ids ...string) {
	e.t.Helper()
	ctx := context.Background()
	data := pngImage(e.t)
	sum := sha256.Sum256(data)
	require.NoError(e.t, e.hub.DB().InTx(ctx, func(tx *hubdb.Tx) error {
		if _, err := tx.InsertBlob(ctx, hex.EncodeToString(sum[:]), "image/png", data, "customer:"+customerID, e.clock.Now()); err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.InsertCustomerPhoto(ctx, hubdb.CustomerPhoto{ID: id, CustomerID: customerID, SHA256: hex.EncodeToString(sum[:]),
				MIME: "image/png", CreatedAt: e.clock.Now()}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// offerLinks are the accept and decline links of the quote e-mails in the
// hub's outbox, in the order they were queued.
func (e *env) offerLinks() []string {
	e.t.Helper()
	ctx := context.Background()
	var mails []hubdb.Mail
	require.NoError(e.t, e.hub.DB().View(ctx, func(tx *hubdb.Tx) (err error) {
		mails, err = tx.DueMail(ctx, e.clock.Now(), 50)
		return err
	}))
	link := regexp.MustCompile(`https?://[^\s"<>\\]+/respond\?token=[^\s"<>&\\]+`)
	var links []string
	for _, m := range mails {
		var doc any
		require.NoError(e.t, json.Unmarshal(m.Doc, &doc))
		text, err := json.Marshal(doc)
		require.NoError(e.t, err)
		for _, l := range link.FindAllString(string(text), -1) {
			if !slices.Contains(links, l) {
				links = append(links, l)
			}
		}
	}
	return links
}

// form posts a form to an absolute URL.
func (e *env) form(target string, values url.Values) response {
	e.t.Helper()
	req, err := http.NewRequest("POST", target, strings.NewReader(values.Encode()))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.send(req)
}

// get fetches an absolute URL.
func (e *env) get(target string) response {
	e.t.Helper()
	req, err := http.NewRequest("GET", target, nil)
	require.NoError(e.t, err)
	return e.send(req)
}
