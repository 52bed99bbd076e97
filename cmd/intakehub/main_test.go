package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/webhook"
)

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), args, &out, &errOut), "%v: %s", args, errOut.String())
	return out.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestServeMountsThePublicAPIAndWebhooks runs the real serve command: the
// seed 000 lookup answers from the hub's catalog, and a quote created
// through the public API reaches a registered webhook receiver, signed.
func TestServeMountsThePublicAPIAndWebhooks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	runOK(t, "seed", "--db", db, "--demo", "--tradeins", "20")
	key := lastLine(runOK(t, "apikey", "create", "--db", db, "--scopes", "buyback:read,buyback:write,webhooks:write"))
	require.True(t, strings.HasPrefix(key, "spk_live_"), key)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--webhooks-allow-private"}, pw, io.Discard)
	}()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(line[strings.Index(line, "http://"):])

	do := func(method, path string, body any) (int, map[string]any) {
		var r io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			require.NoError(t, err)
			r = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, base+path, r)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}

	status, out := do("GET", "/api/v1/buyback/pricing/lookup?make=Apple&model=iPhone%2013&storage=128GB&carrier=Unlocked", nil)
	require.Equal(t, http.StatusOK, status, out)
	assert.Equal(t, "APIP13128UN", out["data"].(map[string]any)["sku"])

	deliveries := make(chan string, 4)
	var secret string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header, body, time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			deliveries <- "bad signature: " + err.Error()
			return
		}
		var env struct{ Type string }
		json.Unmarshal(body, &env)
		deliveries <- env.Type
	}))
	defer receiver.Close()
	status, out = do("POST", "/api/v1/webhooks", map[string]any{"url": receiver.URL, "events": []string{"buyback.quote.created"}})
	require.Equal(t, http.StatusCreated, status, out)
	secret, _ = out["data"].(map[string]any)["secret"].(string)
	require.NotEmpty(t, secret, out)

	status, out = do("POST", "/api/v1/buyback/quotes", map[string]any{"name": "Lincoln Elementary", "client_value": 85, "client_calc": 0})
	require.Equal(t, http.StatusCreated, status, out)
	select {
	case got := <-deliveries:
		assert.Equal(t, "buyback.quote.created", got)
	case <-time.After(20 * time.Second):
		t.Fatal("the webhook was never delivered")
	}
}
