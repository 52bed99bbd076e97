// Package e2e runs a trade-in's whole life over real HTTP: a customer on
// the Upgrade API, an admin, the e-mailed link followed from a real SMTP
// server (mailpit), a shipping label from a ShipEngine stand-in, a real
// bench (store and sync engine) that receives and grades the device, and
// the payout settled through stripe-mock.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/hub/payments"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/hub/shipping/shipenginetest"
	"github.com/intakebench/intakebench/hub/upgrade"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/internal/mailpittest"
	"github.com/intakebench/intakebench/internal/stripemock"
	"github.com/intakebench/intakebench/store"
)

const tenant = "acme"

var (
	tech = intake.Operator{ID: "op-tech-1", Name: "Tess Tech", Role: intake.RoleTechnician}
	// The product of both trade-ins: the demo catalog's first variant.
	product = demo.Variants()[0]
)

// world is everything a trade-in meets on its way.
type world struct {
	hub      *hub.Hub
	api      string // the Upgrade API's base URL
	adminKey string
	mail     *mailpittest.Server
	bench    *bench
	stripe   *decliningStripe
}

// decliningStripe stands in front of stripe-mock, which pays every
// transfer: while declining, Stripe answers a transfer as it answers one
// to a card it declines. It counts the transfers asked for.
type decliningStripe struct {
	declining atomic.Bool
	transfers atomic.Int32
}

func newDecliningStripe(t testing.TB, stripeURL string) (*decliningStripe, string) {
	t.Helper()
	target, err := url.Parse(stripeURL)
	require.NoError(t, err)
	d := &decliningStripe{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/transfers" {
			d.transfers.Add(1)
			if d.declining.Load() {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Request-Id", "req_declined")
				w.WriteHeader(http.StatusPaymentRequired)
				_, _ = io.WriteString(w, `{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}`)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return d, srv.URL
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	stripe, stripeURL := newDecliningStripe(t, stripemock.Start(t))
	mp := mailpittest.Start(t)
	labels := shipenginetest.New(t, "se-test-key")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	pay, err := payments.NewStripe("sk_test_e2e", payments.WithBaseURL(stripeURL))
	require.NoError(t, err)
	smtp, err := mail.NewSMTP(mail.SMTPConfig{Addr: mp.SMTPAddr, From: "Acme Trade-ins <trade-ins@acme.test>", NoSTARTTLS: true})
	require.NoError(t, err)
	shipEngine, err := shipping.NewShipEngine("se-test-key", shipping.WithBaseURL(labels.URL))
	require.NoError(t, err)
	pickup, err := shipping.NewPickup("")
	require.NoError(t, err)
	h, err := hub.Open(ctx, hubtest.DSN(t), hub.Config{
		PublicURL: base + "/api/" + tenant, Business: "Acme Trade-ins", Payments: pay, Mailer: smtp, Labels: shipEngine, Pickup: pickup,
		Facility: shipping.Address{Name: "Acme Receiving", Phone: "+1 512 555 0100", Line1: "1 Dock Rd", City: "Austin", State: "TX",
			PostalCode: "78701", Country: "US"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	_, err = demo.SeedHub(ctx, h, demo.HubSeed{Seed: 1})
	require.NoError(t, err)
	api, err := upgrade.New(h, tenant)
	require.NoError(t, err)
	srv := hub.NewServer(h)
	srv.Mount("/api/"+tenant+"/", api.Handler())
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: srv}}
	hs.Start()
	t.Cleanup(hs.Close)
	key, _, err := h.IssueAPIKey(ctx, hub.APIKeySpec{Name: "operations", Scopes: []string{hub.ScopeTradeInsAdmin}})
	require.NoError(t, err)
	return &world{hub: h, api: base + "/api/" + tenant, adminKey: key, mail: mp, bench: newBench(t, h, base), stripe: stripe}
}

// bench is a receiving bench as the app runs it: its own store file, the
// bench service and the sync engine, enrolled with the hub.
type bench struct {
	store  *store.Store
	svc    *intake.Bench
	engine *benchsync.Engine
	client *benchsync.Client
}

func newBench(t testing.TB, h *hub.Hub, url string) *bench {
	t.Helper()
	ctx := context.Background()
	code, err := h.CreateEnrollment(ctx, "bench-1", wire.BenchScopes, time.Hour)
	require.NoError(t, err)
	enrolled, err := h.Enroll(ctx, code, "bench-1")
	require.NoError(t, err)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	client, err := benchsync.NewClient(url, enrolled.Token)
	require.NoError(t, err)
	return &bench{store: st, client: client, engine: benchsync.New(st, client, "bench-1"),
		svc: intake.NewBench(st, "bench-1", time.Now, uuid.NewString)}
}

func (b *bench) sync(t testing.TB) benchsync.Summary {
	t.Helper()
	sum, err := b.engine.RunOnce(context.Background())
	require.NoError(t, err)
	return sum
}

// call makes a request of the Upgrade API and decodes its JSON answer.
func (w *world) call(t testing.TB, method, path, bearer string, body any, want int) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.api+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, path, raw)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	}
	return out
}

// customer registers and logs in; their profile pays them by method.
func (w *world) customer(t testing.TB, email string, profile map[string]any) string {
	t.Helper()
	w.call(t, "POST", "/auth/register", "", map[string]any{"email": email, "password": "a long passphrase", "name": profile["name"]}, http.StatusCreated)
	session := w.call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": "a long passphrase"}, http.StatusOK)
	token, _ := session["token"].(string)
	require.NotEmpty(t, token)
	w.call(t, "PUT", "/profile", token, profile, http.StatusOK)
	return token
}

func pngPhoto(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x%48, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// submitted is a customer's submission with a photo, submitted for review.
func (w *world) submitted(t testing.TB, token, imei string) string {
	t.Helper()
	req, err := http.NewRequest("POST", w.api+"/photos", bytes.NewReader(pngPhoto(t)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "image/png")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var photo map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&photo))
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", photo)

	sub := w.call(t, "POST", "/submissions", token, map[string]any{"product_id": product.SKU, "serial_number": imei,
		"condition": "good", "description": "Minor scratches on grip", "photos": []any{photo["id"]}}, http.StatusCreated)
	id := sub["id"].(string)
	got := w.call(t, "POST", "/submissions/"+id, token, nil, http.StatusOK)
	require.Equal(t, "submitted", got["status"])
	return id
}

// offered checks the IMEI and sends an offer of amount (a JSON number).
func (w *world) offered(t testing.TB, id string, amount json.Number) {
	t.Helper()
	check := w.call(t, "POST", "/submissions/"+id+"/imei-check", w.adminKey, map[string]any{}, http.StatusOK)
	require.Equal(t, "clean", check["status"], "%v", check)
	w.call(t, "POST", "/offers", w.adminKey, map[string]any{"submission_id": id, "amount": amount,
		"notes": "Based on good condition assessment", "expires_at": time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)}, http.StatusCreated)
}

// message waits for the e-mail to whom whose subject holds subject.
func (w *world) message(t testing.TB, to, subject string) mailpittest.Full {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, err := w.hub.DeliverMail(ctx)
		require.NoError(t, err)
		list, err := w.mail.Messages(ctx)
		require.NoError(t, err)
		for _, m := range list {
			if len(m.To) == 1 && m.To[0].Address == to && strings.Contains(m.Subject, subject) {
				full, err := w.mail.Message(ctx, m.ID)
				require.NoError(t, err)
				return full
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no e-mail to %s about %q", to, subject)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var acceptLink = regexp.MustCompile(`https?://\S+/offers/\S+/respond\?token=[^\s"<>]+`)

// acceptByLink follows the accept link of the quote e-mail as the
// customer's browser does: the page, then its form.
func (w *world) acceptByLink(t testing.TB, quote mailpittest.Full) {
	t.Helper()
	links := acceptLink.FindAllString(quote.Text, -1)
	require.Len(t, links, 2, "an accept and a decline link:\n%s", quote.Text)
	accept := links[0]
	require.Contains(t, quote.Text, "$350.00")
	page, err := http.Get(accept)
	require.NoError(t, err)
	body, err := io.ReadAll(page.Body)
	page.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, page.StatusCode, "%s", body)
	assert.Contains(t, string(body), "350.00")
	u, err := url.Parse(accept)
	require.NoError(t, err)
	form := url.Values{"token": {u.Query().Get("token")}, "action": {"accept"}}
	resp, err := http.PostForm(strings.Split(accept, "?")[0], form)
	require.NoError(t, err)
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", answer)
}

func flawless() intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 92}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	return in
}

func (w *world) standing(t testing.TB, id string) ([]intake.PayoutEntry, intake.PayoutStanding) {
	t.Helper()
	entries, standing, err := w.hub.PayoutLedger(context.Background(), id)
	require.NoError(t, err)
	return entries, standing
}

func TestATradeInLivesFromSubmissionToPayout(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	const imei, worseIMEI = "356938035643809", "490154203237518"

	// As disclosed: completed, paid by card through Stripe.
	ada := w.customer(t, "ada@example.com", map[string]any{"name": "Ada Lovelace", "phone": "+1 512 555 0199",
		"address":       map[string]any{"line1": "12 Analytical Way", "city": "Austin", "state": "TX", "postal_code": "78702", "country": "US"},
		"payout_method": "card", "stripe_account": "acct_1AdaLovelace"})
	id := w.submitted(t, ada, imei)
	w.offered(t, id, "350.00")
	w.acceptByLink(t, w.message(t, "ada@example.com", "Your trade-in offer"))
	got := w.call(t, "GET", "/submissions/"+id, ada, nil, http.StatusOK)
	assert.Equal(t, "accepted", got["status"])
	stock, err := w.hub.Stock(ctx, product.SKU)
	require.NoError(t, err)
	assert.Equal(t, int64(1), stock, "seed 001: stock +1 on accept")
	label := w.message(t, "ada@example.com", "Your shipping label")
	assert.Contains(t, label.Text, "9400100000000000000001", "the stand-in's first tracking number")
	shipped := w.call(t, "POST", "/submissions/"+id+"/ship", ada, map[string]any{}, http.StatusOK)
	assert.Equal(t, "shipped", shipped["status"])

	b := w.bench
	b.sync(t)
	r, err := b.svc.Receive(ctx, tech, imei)
	require.NoError(t, err)
	assert.Equal(t, id, r.TradeInID, "the scan matched the accepted trade-in")
	_, err = b.svc.RecordGrading(ctx, tech, id, flawless())
	require.NoError(t, err)
	sum := b.sync(t)
	assert.Equal(t, 2, sum.Applied, "the receipt and the grading")
	done, err := w.hub.TradeIn(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusCompleted, done.Status, "graded as disclosed: completed without a supervisor")

	n, err := w.hub.SettlePayouts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	entries, standing := w.standing(t, id)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutSettled, Amount: 35000, Method: intake.PayoutCard}, standing)
	settle := entries[len(entries)-1]
	assert.True(t, strings.HasPrefix(settle.Reference, "tr_"), "a Stripe transfer: %q", settle.Reference)
	n, err = w.hub.SettlePayouts(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "a settled payout is paid once")

	// Worse than disclosed: held, declined by a supervisor, voided.
	grace := w.customer(t, "grace@example.com", map[string]any{"name": "Grace Hopper"})
	worse := w.submitted(t, grace, worseIMEI)
	w.offered(t, worse, "350.00")
	quote := w.message(t, "grace@example.com", "Your trade-in offer")
	w.acceptByLink(t, quote)
	pickup := w.message(t, "grace@example.com", "How to hand over your device")
	assert.Contains(t, pickup.Text, "1 Dock Rd", "no address given: pickup instructions with the facility's")
	b.sync(t)
	_, err = b.svc.Receive(ctx, tech, worseIMEI)
	require.NoError(t, err)
	cracked := flawless()
	cracked.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked
	g, err := b.svc.RecordGrading(ctx, tech, worse, cracked)
	require.NoError(t, err)
	require.True(t, g.Decision.Reroute)
	b.sync(t)
	_, standing = w.standing(t, worse)
	assert.Equal(t, intake.PayoutHeld, standing.State)

	login := intake.NewLogin(b.store, time.Now).WithGrants(benchsync.Granter{Client: b.client})
	supervisor, err := login.ByPIN(ctx, "op-super-1", "333333")
	require.NoError(t, err)
	_, err = b.svc.Decide(ctx, b.store, supervisor, worse, intake.DecisionRequest{Kind: intake.DecideDecline, Reason: "cracked screen not disclosed"})
	require.NoError(t, err)
	sum = b.sync(t)
	assert.Zero(t, sum.Rejected)
	declined, err := w.hub.TradeIn(ctx, worse)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusDeclined, declined.Status)
	entries, standing = w.standing(t, worse)
	assert.Equal(t, intake.PayoutVoided, standing.State)
	assert.Equal(t, []intake.PayoutEntryKind{intake.PayoutObligation, intake.PayoutHold, intake.PayoutVoid}, kinds(entries))
	stock, err = w.hub.Stock(ctx, product.SKU)
	require.NoError(t, err)
	assert.Equal(t, int64(1), stock, "the declined device went back: stock is as the first one left it")

	queue := w.call(t, "GET", "/admin/queue?status=completed", w.adminKey, nil, http.StatusOK)
	counts := queue["counts"].(map[string]any)
	assert.Equal(t, map[string]any{"draft": 0.0, "submitted": 0.0, "offered": 0.0, "accepted": 0.0, "shipped": 0.0, "received": 0.0,
		"inspected": 0.0, "completed": 1.0, "declined": 1.0}, counts)
	items := queue["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, id, items[0].(map[string]any)["id"])
}

func kinds(es []intake.PayoutEntry) []intake.PayoutEntryKind {
	var out []intake.PayoutEntryKind
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

// BenchmarkLifecycle measures one trade-in's whole life over real HTTP, as
// TestATradeInLivesFromSubmissionToPayout walks it: registration, a
// submission with a photo, the IMEI check and offer, the e-mailed link
// followed, shipping arranged, the bench's receipt and grading synced, and
// the card payout settled at stripe-mock.
func BenchmarkLifecycle(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	bench := w.bench
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		email := fmt.Sprintf("customer-%d@example.com", i)
		imei := benchIMEI(b, i)
		token := w.customer(b, email, map[string]any{"name": "Customer", "payout_method": "card", "stripe_account": "acct_1Bench"})
		id := w.submitted(b, token, imei)
		w.offered(b, id, "350.00")
		w.acceptByLink(b, w.message(b, email, "Your trade-in offer"))
		w.call(b, "POST", "/submissions/"+id+"/ship", token, map[string]any{}, http.StatusOK)
		bench.sync(b)
		if _, err := bench.svc.Receive(ctx, tech, imei); err != nil {
			b.Fatal(err)
		}
		if _, err := bench.svc.RecordGrading(ctx, tech, id, flawless()); err != nil {
			b.Fatal(err)
		}
		bench.sync(b)
		if n, err := w.hub.SettlePayouts(ctx); err != nil || n != 1 {
			b.Fatalf("settled %d: %v", n, err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/lifecycle")
}

// benchIMEI is the i-th of a run of valid IMEIs no demo data holds.
func benchIMEI(t testing.TB, i int) string {
	t.Helper()
	body := fmt.Sprintf("35999900%06d", i)
	check, err := intake.LuhnCheckDigit(body)
	require.NoError(t, err)
	return body + string(check)
}

// A card the processor declines fails the payout, with the processor's
// reason in the ledger; the hub does not ask again by itself, and staff
// release it again once the customer's account is right.
func TestADeclinedCardPayoutWaitsForStaff(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	const imei = "356938035643809"
	ada := w.customer(t, "ada@example.com", map[string]any{"name": "Ada Lovelace",
		"address":       map[string]any{"line1": "12 Analytical Way", "city": "Austin", "state": "TX", "postal_code": "78702", "country": "US"},
		"payout_method": "card", "stripe_account": "acct_1AdaLovelace"})
	id := w.submitted(t, ada, imei)
	w.offered(t, id, "350.00")
	w.acceptByLink(t, w.message(t, "ada@example.com", "Your trade-in offer"))
	w.call(t, "POST", "/submissions/"+id+"/ship", ada, map[string]any{}, http.StatusOK)
	b := w.bench
	b.sync(t)
	_, err := b.svc.Receive(ctx, tech, imei)
	require.NoError(t, err)
	_, err = b.svc.RecordGrading(ctx, tech, id, flawless())
	require.NoError(t, err)
	b.sync(t)

	w.stripe.declining.Store(true)
	n, err := w.hub.SettlePayouts(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	entries, standing := w.standing(t, id)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutFailed, Amount: 35000, Method: intake.PayoutCard}, standing)
	failed := entries[len(entries)-1]
	assert.Equal(t, intake.PayoutFail, failed.Kind)
	assert.Equal(t, "The processor declined the payout (card_declined): Your card was declined.", failed.Note)
	assert.Equal(t, int32(1), w.stripe.transfers.Load())

	n, err = w.hub.SettlePayouts(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, int32(1), w.stripe.transfers.Load(), "a declined card is not asked again by itself")

	// The customer's account put right, staff release it again.
	w.stripe.declining.Store(false)
	w.call(t, "POST", "/admin/tradeins/"+id+"/payout-retry", w.adminKey, nil, http.StatusAccepted)
	_, standing = w.standing(t, id)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutDue, Amount: 35000, Method: intake.PayoutCard}, standing)
	n, err = w.hub.SettlePayouts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	entries, standing = w.standing(t, id)
	assert.Equal(t, intake.PayoutStanding{State: intake.PayoutSettled, Amount: 35000, Method: intake.PayoutCard}, standing)
	assert.True(t, strings.HasPrefix(entries[len(entries)-1].Reference, "tr_"), "a Stripe transfer: %q", entries[len(entries)-1].Reference)

	problem := w.call(t, "POST", "/admin/tradeins/"+id+"/payout-retry", w.adminKey, nil, http.StatusConflict)
	assert.Equal(t, "payout_not_failed", problem["code"])
	assert.Equal(t, "The payout of trade-in TI-2026-000001 is settled: only a failed payout is tried again.", problem["detail"])
}
