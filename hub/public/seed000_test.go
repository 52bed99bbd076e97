package public

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
)

// The four curl examples of seed 000, copied verbatim. The test only
// replaces the host and the placeholder key.
const (
	seedLookup = `curl "https://api.spectradiag.com/api/v1/buyback/pricing/lookup?make=Apple&model=iPhone%2013&storage=128GB&carrier=Unlocked" \
  -H "Authorization: Bearer spk_live_xxx"`
	seedCreate = `curl -X POST "https://api.spectradiag.com/api/v1/buyback/quotes" \
  -H "Authorization: Bearer spk_live_xxx" \
  -H "Content-Type: application/json" \
  -d '{
    "name": "Lincoln Elementary Spring 2026",
    "client_value": 85,
    "client_calc": 0
  }'`
	seedAddItem = `curl -X POST "https://api.spectradiag.com/api/v1/buyback/quotes/42/items" \
  -H "Authorization: Bearer spk_live_xxx" \
  -H "Content-Type: application/json" \
  -d '{
    "sku": "APIP13128UN",
    "grade": "conditionaverageprice",
    "sim": "Unlocked",
    "quantity": 25,
    "value": 320.00,
    "client_share": 272.00
  }'`
	seedApprove = `curl -X PATCH "https://api.spectradiag.com/api/v1/buyback/quotes/42/status" \
  -H "Authorization: Bearer spk_live_xxx" \
  -H "Content-Type: application/json" \
  -d '{ "status": 1 }'`
)

// TestSeedCommandsAreVerbatim guards the constants above against drift
// from the seed document, when the document is at hand.
func TestSeedCommandsAreVerbatim(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/seeds/000_*.txt")
	if len(files) == 0 {
		t.Skip("seed 000 document not found next to the module; cannot compare")
	}
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	for _, cmd := range []string{seedLookup, seedCreate, seedAddItem, seedApprove} {
		assert.Contains(t, string(raw), cmd)
	}
}

// webhookSink is a receiver that verifies signatures and hands over
// envelopes.
type webhookSink struct {
	t      *testing.T
	secret string
	got    chan map[string]any
	srv    *httptest.Server
}

func newWebhookSink(t *testing.T) *webhookSink {
	s := &webhookSink{t: t, got: make(chan map[string]any, 256)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		if err := webhook.Verify(s.secret, r.Header, body, 5*time.Minute); err != nil {
			t.Errorf("webhook signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var env map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&env))
		s.got <- env
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// await returns the first envelope of type kind about quote id.
func (s *webhookSink) await(kind string, id int64) map[string]any {
	s.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case env := <-s.got:
			data := env["data"].(map[string]any)
			if env["type"] == kind && data["id"] == json.Number(fmt.Sprint(id)) {
				return env
			}
		case <-timeout:
			s.t.Fatalf("no %s event for quote %d", kind, id)
			return nil
		}
	}
}

func runCurl(t *testing.T, cmd, baseURL, key string) map[string]any {
	t.Helper()
	cmd = strings.ReplaceAll(cmd, "https://api.spectradiag.com", baseURL)
	cmd = strings.ReplaceAll(cmd, "spk_live_xxx", key)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-c", cmd)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	require.NoError(t, c.Run(), "curl failed: %s", stderr.String())
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(stdout.Bytes()))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&out), "curl output: %s", stdout.String())
	out["_raw"] = stdout.String()
	return out
}

// TestSeed000CurlExamples runs the seed's four curl commands against the
// real handlers over loopback.
//
// The seed hard-codes quote 42 in steps 3 and 4. Quote ids come from an
// AUTOINCREMENT sequence starting at 1, so the test first creates 41
// other quotes through the API: the seed's quote is then honestly the 42nd
// and step 2 must answer id 42, which steps 3 and 4 use verbatim.
func TestSeed000CurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl binary not found: install curl to run the seed 000 examples verbatim")
	}
	e := newEnv(t)
	e.runWebhooks()
	ctx := context.Background()
	seedKey := e.keys.issue(ScopeBuybackRead, ScopeBuybackWrite)

	sink := newWebhookSink(t)
	reg := e.do("POST", "/api/v1/webhooks", e.allKey, map[string]any{
		"url": sink.srv.URL + "/hooks", "events": []string{webhook.EventQuoteCreated, webhook.EventQuoteApproved},
	})
	require.Equal(t, http.StatusCreated, reg.Status, reg.Raw)
	sink.secret = reg.data()["secret"].(string)

	for i := 1; i <= 41; i++ {
		r := e.do("POST", "/api/v1/buyback/quotes", e.writeKey, map[string]any{"name": fmt.Sprintf("earlier quote %d", i), "client_value": 80, "client_calc": 0})
		require.Equal(t, http.StatusCreated, r.Status, r.Raw)
	}

	// Step 1: lookup. Expected prices are what the catalog's PriceTable
	// says for the variant, written with two decimals.
	v, err := e.cat.Lookup(ctx, "Apple", "iPhone 13", "128GB", "Unlocked")
	require.NoError(t, err)
	want := v.Buyback.Seed000()
	got := runCurl(t, seedLookup, e.srv.URL, seedKey)
	assert.Equal(t, true, got["success"])
	data := got["data"].(map[string]any)
	assert.Equal(t, "APIP13128UN", data["sku"])
	assert.Equal(t, "Apple", data["manufacturer"])
	assert.Equal(t, "iPhone 13", data["model"])
	assert.Equal(t, "128GB", data["capacity"])
	assert.Equal(t, "Unlocked", data["carrier"])
	for col, cents := range map[string]intake.Cents{
		"conditionbrokenprice": want.Broken, "conditionpoorprice": want.Poor, "conditionaverageprice": want.Average,
		"conditionexcellentprice": want.Excellent, "conditionnewprice": want.New,
	} {
		assert.Equal(t, json.Number(cents.String()), data[col], col)
		assert.Contains(t, got["_raw"], fmt.Sprintf(`"%s":%s`, col, cents), "two-decimal JSON number")
	}
	assert.Equal(t, intake.Cents(42500), want.Excellent, "the demo catalog's iPhone 13 base")

	// Step 2: create the quote.
	got = runCurl(t, seedCreate, e.srv.URL, seedKey)
	assert.Equal(t, true, got["success"])
	assert.Equal(t, json.Number("42"), got["id"], "top-level id, as the seed's { id: 42 }")
	data = got["data"].(map[string]any)
	assert.Equal(t, json.Number("42"), data["id"])
	assert.Equal(t, "Lincoln Elementary Spring 2026", data["name"])
	assert.Equal(t, json.Number("85.00"), data["client_value"])
	assert.Equal(t, json.Number("0"), data["client_calc"])
	assert.Equal(t, json.Number("2"), data["status"], "pending by default")
	sink.await(webhook.EventQuoteCreated, 42)

	// Step 3: add 25 devices at a negotiated 320.00; 85% of it is 272.00.
	got = runCurl(t, seedAddItem, e.srv.URL, seedKey)
	require.Equal(t, true, got["success"], got["_raw"])
	data = got["data"].(map[string]any)
	assert.Equal(t, json.Number("42"), data["quote_id"])
	assert.Equal(t, "APIP13128UN", data["sku"])
	assert.Equal(t, "conditionaverageprice", data["grade"])
	assert.Equal(t, "Unlocked", data["sim"])
	assert.Equal(t, json.Number("25"), data["quantity"])
	assert.Equal(t, json.Number("320.00"), data["value"])
	assert.Equal(t, json.Number("272.00"), data["client_share"])
	assert.Equal(t, json.Number(want.Average.String()), data["list_value"])

	// Step 4: approve; the registered receiver gets a signed event.
	got = runCurl(t, seedApprove, e.srv.URL, seedKey)
	require.Equal(t, true, got["success"], got["_raw"])
	data = got["data"].(map[string]any)
	assert.Equal(t, json.Number("1"), data["status"])
	assert.Equal(t, "approved", data["status_name"])
	assert.Equal(t, json.Number("8000.00"), data["total_value"], "25 × 320.00")
	assert.Equal(t, json.Number("6800.00"), data["total_client_share"], "25 × 272.00")

	env := sink.await(webhook.EventQuoteApproved, 42)
	assert.NotEmpty(t, env["id"])
	assert.NotEmpty(t, env["created_at"])
	evData := env["data"].(map[string]any)
	assert.Equal(t, "approved", evData["status_name"])
	require.Len(t, evData["items"], 1)
}
