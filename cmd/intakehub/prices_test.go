package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeRecordsPriceObservations runs the real import command and the
// real serve command: market prices come in from a file and through the
// admin API, behind its admin keys, and seed 002 answers from them.
func TestServeRecordsPriceObservations(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	runOK(t, "seed", "--db", db, "--demo", "--tradeins", "0")
	admin := lastLine(runOK(t, "apikey", "create", "--db", db, "--scopes", "tradeins:admin"))
	reader := lastLine(runOK(t, "apikey", "create", "--db", db, "--scopes", "pricing:read"))
	hourAgo := time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Format(time.RFC3339)

	file := filepath.Join(t.TempDir(), "market.csv")
	require.NoError(t, os.WriteFile(file, []byte("sku,condition,price,type,source,observed_at\n"+
		"APIP13128UN,excellent,610.00,resale,ebay,"+hourAgo+"\n"+
		"APIP13128UN,excellent,605.00,resale,nowhere,2999-01-01\n"), 0o600))
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"import", "prices", file, "--db", db}, &out, &errOut)
	require.EqualError(t, err, "1 of 2 rows rejected (listed above); the others were imported")
	assert.Equal(t, "line 3: observed_at: in the future\n", errOut.String())
	assert.Regexp(t, `^prices: 2 rows: 1 imported, 0 updated, 0 already there, 1 rejected`, out.String())

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--tenant", "acme"}, pw, io.Discard)
	}()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(line[strings.Index(line, "http://"):])

	do := func(method, path, bearer, body string) (int, string, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, resp.Header.Get("Content-Type"), m
	}
	obs := fmt.Sprintf(`{"observations": [{"variant_id": "var_iphone13_128_unlocked", "type": "resale", "condition": "Good",
		"value": 52000, "source": "swappa", "observed_at": %q}]}`, hourAgo)
	status, _, body := do("POST", "/api/acme/admin/prices/observations", "", obs)
	assert.Equal(t, http.StatusUnauthorized, status, body)
	status, _, body = do("POST", "/api/acme/admin/prices/observations", reader, obs)
	assert.Equal(t, http.StatusForbidden, status, "a pricing key is no admin's: %v", body)
	status, ct, body := do("POST", "/api/acme/admin/prices/observations", admin, strings.Replace(obs, "Good", "Mint", 1))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "application/problem+json", ct)
	assert.Equal(t, "invalid_observations", body["code"])
	status, _, body = do("POST", "/api/acme/admin/prices/observations", admin, obs)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, map[string]any{"recorded": 1.0, "updated": 0.0, "unchanged": 0.0}, body)

	status, _, body = do("GET", "/api/pricing?variant_id=var_iphone13_128_unlocked&pricing_type=resale", reader, "")
	require.Equal(t, http.StatusOK, status, body)
	data := body["data"].(map[string]any)
	res := data["resale"].(map[string]any)
	assert.Equal(t, "aggregated", res["source"])
	assert.Equal(t, 61000.0, res["current"].(map[string]any)["Excellent"])
	assert.Equal(t, 52000.0, res["current"].(map[string]any)["Good"])
	assert.Equal(t, hourAgo, res["last_updated"])
	assert.Equal(t, 2.0, data["data_points"], "the imported one and the posted one")
	assert.Equal(t, 2.0, res["liquidity_score"])
}
