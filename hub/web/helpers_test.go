package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/hub/upgrade"
	"github.com/intakebench/intakebench/hub/web"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// Test data: a clean IMEI and a blacklisted one, both with valid Luhn
// check digits; the demo hub's supervisor and clerk with their PINs.
const (
	tenant      = "acme"
	cleanIMEI   = "356938035643809"
	cleanIMEI2  = "356938035643817"
	flaggedIMEI = "490154203237518"
	supervisor  = "op-super-1"
	superPIN    = "333333"
	clerk       = "op-clerk-1"
	clerkPIN    = "222222"
)

// mailbox is the hub's mail server: it keeps what it is sent.
type mailbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

func (m *mailbox) messages() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail.Message(nil), m.sent...)
}

// env is a real hub on a fake clock standing at 2024-01-15T00:00:00Z, with
// a small catalog, a blacklisted IMEI, a supervisor and a clerk, serving
// the Upgrade API and the web pages over loopback as intakehub serve does.
type env struct {
	t     testing.TB
	hub   *hub.Hub
	clock *clock.Fake
	srv   *httptest.Server
	mail  *mailbox
}

func newEnv(t testing.TB, opts ...web.Option) *env {
	t.Helper()
	return newEnvWith(t, nil, opts...)
}

// newEnvWith is newEnv with more set up before the server starts: setup
// (when not nil) mounts more on the hub's server and returns more options
// of the pages.
func newEnvWith(t testing.TB, setup func(h *hub.Hub, c *clock.Fake, srv *hub.Server) []web.Option, opts ...web.Option) *env {
	t.Helper()
	ctx := context.Background()
	c := clock.NewFake(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC))
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	box := &mailbox{}
	h, err := hub.Open(ctx, hubtest.DSN(t), hub.Config{Now: c.Now, Mailer: box,
		PublicURL: "http://" + srv.Listener.Addr().String() + "/api/" + tenant})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	prices := intake.PriceTable{intake.ConditionExcellent: 41000, intake.ConditionGood: 35000, intake.ConditionFair: 26000, intake.ConditionPoor: 14000}
	require.NoError(t, h.PutVariants(ctx, []wire.Variant{
		{SKU: "prod_123", Make: "Apple", Model: "iPhone 13", Storage: "128GB", Carrier: "Unlocked", Prices: prices},
		{SKU: "prod_124", Make: "Apple", Model: "iPhone 13", Storage: "256GB", Carrier: "Unlocked", Prices: prices},
		{SKU: "prod_200", Make: "Samsung", Model: "Galaxy S22", Storage: "128GB", Carrier: "Verizon", Prices: prices},
	}))
	require.NoError(t, h.PutFlags(ctx, []hub.RegistryEntry{{Flag: intake.Flag{IMEI: flaggedIMEI, Kind: intake.FlagBlacklisted,
		Reason: "reported stolen", Since: c.Now()}}}))
	var ops []wire.Operator
	for _, o := range []struct {
		id, name, pin string
		role          intake.Role
	}{{supervisor, "Sam Supervisor", superPIN, intake.RoleSupervisor}, {clerk, "Carl Clerk", clerkPIN, intake.RoleClerk}} {
		hash, err := intake.HashPIN(o.pin, 0)
		require.NoError(t, err)
		ops = append(ops, wire.Operator{ID: o.id, Name: o.name, Role: o.role, PINHash: hash})
	}
	require.NoError(t, h.PutOperators(ctx, ops))
	api, err := upgrade.New(h, tenant)
	require.NoError(t, err)
	handler := hub.NewServer(h)
	if setup != nil {
		opts = append(opts, setup(h, c, handler)...)
	}
	site, err := web.New(ctx, h, opts...)
	require.NoError(t, err)
	handler.Mount("/api/"+tenant+"/", api.Handler())
	for _, p := range web.Patterns {
		handler.Mount(p, site.Handler())
	}
	srv.Config.Handler = handler
	srv.Start()
	return &env{t: t, hub: h, clock: c, srv: srv, mail: box}
}

// page is an answer as a browser got it, without following redirects.
type page struct {
	status int
	header http.Header
	body   string
}

// client is a browser: its own cookies, no redirects followed.
func (e *env) client() *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) do(c *http.Client, req *http.Request) page {
	e.t.Helper()
	resp, err := c.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return page{resp.StatusCode, resp.Header, string(b)}
}

func (e *env) get(c *http.Client, path string) page {
	e.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = e.srv.URL + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(e.t, err)
	return e.do(c, req)
}

func (e *env) post(c *http.Client, path string, form url.Values) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(c, req)
}

// goodForm is a buyer's complete, valid trade-in: an iPhone 13 with light
// scratches on its screen (good).
func goodForm() url.Values {
	return url.Values{
		"model": {"Apple iPhone 13"}, "storage": {"128GB"}, "carrier": {"Unlocked"},
		"powers_on": {"yes"}, "account_removed": {"yes"}, "screen": {"light"}, "body": {"none"}, "battery_ok": {"yes"},
		"accessories": {"charger", "box"},
		"imei":        {"35 693803 564380 9"},
		"name":        {"Ada Buyer"}, "email": {"ada@example.com"}, "phone": {"+1 555 0100"},
		"website": {""},
	}
}

// with returns a copy of f with field set to v (or removed, for nil).
func with(f url.Values, field string, v []string) url.Values {
	out := url.Values{}
	for k, vs := range f {
		out[k] = append([]string(nil), vs...)
	}
	if v == nil {
		delete(out, field)
	} else {
		out[field] = v
	}
	return out
}

// counts is how many trade-ins and customers the hub holds.
func (e *env) counts() (tradeIns, customers int) {
	e.t.Helper()
	ctx := context.Background()
	q, err := e.hub.Queue(ctx, "", 500, "")
	require.NoError(e.t, err)
	err = e.hub.DB().View(ctx, func(tx *hubdb.Tx) (err error) {
		customers, err = tx.CustomerCount(ctx)
		return err
	})
	require.NoError(e.t, err)
	return len(q.Items), customers
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a dashboard page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.body)
	require.NotNil(t, m, "no CSRF token in %s", p.body)
	return m[1]
}

// login logs a new browser in as operator with pin.
func (e *env) login(operator, pin string) (*http.Client, page) {
	e.t.Helper()
	c := e.client()
	p := e.post(c, "/dashboard/login", url.Values{"operator": {operator}, "pin": {pin}})
	return c, p
}

// fieldMessage is the message shown beside a field of the buyer's form.
func fieldMessage(body, field string) string {
	id := field + "-err"
	if field == "imei" {
		id = "imei-msg"
	}
	re := regexp.MustCompile(`(?s)id="` + id + `"[^>]*>(.*?)</p>`)
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}
