package public

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub/webhook"

	_ "modernc.org/sqlite"
)

// openDB opens a SQLite file the way the hub core does and migrates both
// packages' tables.
func openDB(t *testing.T, file string) *sql.DB {
	t.Helper()
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)", "journal_mode(WAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+file+"?"+q.Encode())
	require.NoError(t, err)
	require.NoError(t, Migrate(context.Background(), db))
	require.NoError(t, webhook.Migrate(context.Background(), db))
	return db
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a hub with the public API on a real SQLite file, served over
// loopback.
type env struct {
	t     *testing.T
	db    *sql.DB
	api   *API
	cat   Catalog
	keys  *KeyStore
	hooks *webhook.Dispatcher
	clock *fakeClock
	srv   *httptest.Server
	// keys with the scopes their names say
	readKey, writeKey, pricingKey, allKey string
}

func newEnv(t *testing.T, opts ...Option) *env {
	return newEnvWithCatalog(t, nil, opts...)
}

func newEnvWithCatalog(t *testing.T, cat Catalog, opts ...Option) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, clock: &fakeClock{t: time.Date(2026, 4, 15, 9, 30, 0, 0, time.UTC)}}
	e.db = openDB(t, filepath.Join(t.TempDir(), "hub.db"))
	t.Cleanup(func() { e.db.Close() })
	if cat == nil {
		mc, err := CatalogFromVariants(demo.Variants())
		require.NoError(t, err)
		cat = mc
	}
	e.cat = cat
	e.keys = NewKeyStore(e.db)
	var err error
	e.hooks, err = webhook.New(e.db, webhook.WithPollInterval(20*time.Millisecond), webhook.WithBackoff(5*time.Millisecond, 50*time.Millisecond), webhook.WithJitter(func(d time.Duration) time.Duration { return d }))
	require.NoError(t, err)
	e.api, err = New(e.db, cat, e.keys, append([]Option{WithClock(e.clock.Now), WithWebhooks(e.hooks)}, opts...)...)
	require.NoError(t, err)
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	for _, k := range []struct {
		dst    *string
		scopes []string
	}{
		{&e.readKey, []string{ScopeBuybackRead}},
		{&e.writeKey, []string{ScopeBuybackWrite}},
		{&e.pricingKey, []string{ScopePricingRead}},
		{&e.allKey, []string{ScopeBuybackRead, ScopeBuybackWrite, ScopePricingRead, ScopeWebhooks}},
	} {
		_, *k.dst, err = e.keys.Create(ctx, "test", k.scopes...)
		require.NoError(t, err)
	}
	return e
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
