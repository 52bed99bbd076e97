package public

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// testKeys is a KeyVerifier of keys issued by the test itself.
type testKeys struct {
	mu     sync.Mutex
	scopes map[string][]string
}

func (k *testKeys) Verify(_ context.Context, bearer string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.scopes[bearer]; ok {
		return s, nil
	}
	return nil, ErrInvalidKey
}

// issue returns a new key with scopes.
func (k *testKeys) issue(scopes ...string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	key := "spk_live_" + rand.Text()
	k.scopes[key] = scopes
	return key
}

func (k *testKeys) revoke(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.scopes, key)
}

// env is a hub with the public API on a real SQLite file, served over
// loopback.
type env struct {
	t     *testing.T
	db    *hubdb.DB
	api   *API
	cat   Catalog
	keys  *testKeys
	hooks *webhook.Dispatcher
	clock *clock.Fake
	srv   *httptest.Server
	// keys with the scopes their names say
	readKey, writeKey, pricingKey, allKey string
}

func newEnv(t *testing.T, opts ...Option) *env {
	return newEnvWithCatalog(t, nil, opts...)
}

func newEnvWithCatalog(t *testing.T, cat Catalog, opts ...Option) *env {
	t.Helper()
	e := &env{t: t, clock: clock.NewFake(time.Date(2026, 4, 15, 9, 30, 0, 0, time.UTC)), keys: &testKeys{scopes: map[string][]string{}}}
	var err error
	e.db, err = hubdb.Open(context.Background(), hubtest.DSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { e.db.Close() })
	if cat == nil {
		mc, err := CatalogFromVariants(demo.Variants())
		require.NoError(t, err)
		cat = mc
	}
	e.cat = cat
	e.hooks, err = webhook.New(e.db, webhook.Config{
		PollInterval: 20 * time.Millisecond, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Jitter: func(d time.Duration) time.Duration { return d },
		// The tests' receivers listen on loopback.
		AllowPrivateTargets: true,
	})
	require.NoError(t, err)
	e.api, err = New(e.db, cat, e.keys, append([]Option{WithClock(e.clock.Now), WithWebhooks(e.hooks)}, opts...)...)
	require.NoError(t, err)
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	e.readKey = e.keys.issue(ScopeBuybackRead)
	e.writeKey = e.keys.issue(ScopeBuybackWrite)
	e.pricingKey = e.keys.issue(ScopePricingRead)
	e.allKey = e.keys.issue(ScopeBuybackRead, ScopeBuybackWrite, ScopePricingRead, ScopeWebhooks)
	return e
}

// quote reads a quote straight from the database.
func (e *env) quote(id int64) (hubdb.Quote, error) {
	var q hubdb.Quote
	err := e.db.View(context.Background(), func(tx *hubdb.Tx) error {
		var err error
		q, err = tx.Quote(context.Background(), id)
		return err
	})
	return q, err
}

// runWebhooks runs the dispatcher until the test ends.
func (e *env) runWebhooks() {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.hooks.Run(ctx) }()
	e.t.Cleanup(func() { stop(); <-done })
}

// resp is a decoded answer; numbers stay json.Number so "85.00" is visible.
type resp struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

func (r resp) data() map[string]any { return r.Body["data"].(map[string]any) }

func (r resp) errCode() string {
	if e, ok := r.Body["error"].(map[string]any); ok {
		return e["code"].(string)
	}
	return ""
}

// issues returns "field:issue" for each detail of an error answer.
func (r resp) issues() []string {
	var out []string
	e, _ := r.Body["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	for _, d := range ds {
		m := d.(map[string]any)
		out = append(out, m["field"].(string)+":"+m["issue"].(string))
	}
	return out
}

func (e *env) do(method, path, key string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	require.NoError(e.t, dec.Decode(&out.Body), "body: %s", raw)
	return out
}

// CatalogFromVariants wraps the demo catalog's variants.
func CatalogFromVariants(vs []demo.Variant) (*MemoryCatalog, error) {
	out := make([]Variant, 0, len(vs))
	for _, v := range vs {
		out = append(out, Variant{
			Make: v.Model.Make, Model: v.Model.Name, Storage: v.Storage, Carrier: v.Carrier,
			SKU: v.SKU, Buyback: v.Prices,
		})
	}
	return NewMemoryCatalog(out)
}
