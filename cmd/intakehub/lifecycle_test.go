package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/internal/mailpittest"
)

// TestServeRunsTheProgramme runs the real serve command with a mail
// server: the Upgrade API answers at /api/TENANT/, an admin key of the
// hub offers for a customer's submission, and the quote e-mail goes out
// without anyone asking, its links on the public URL.
func TestServeRunsTheProgramme(t *testing.T) {
	mp := mailpittest.Start(t)
	db := filepath.Join(t.TempDir(), "hub.db")
	runOK(t, "seed", "--db", db, "--demo", "--tradeins", "0")
	key := lastLine(runOK(t, "apikey", "create", "--db", db, "--scopes", "tradeins:admin"))

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--tenant", "acme", "--public-url", "https://trade-in.acme.test",
			"--smtp", mp.SMTPAddr, "--smtp-no-starttls"}, pw, io.Discard)
	}()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go io.Copy(io.Discard, pr)
	base := strings.TrimSpace(line[strings.Index(line, "http://"):]) + "/api/acme"

	do := func(method, path, bearer string, body any, want int) map[string]any {
		t.Helper()
		b, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(method, base+path, bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Equal(t, want, resp.StatusCode, "%s %s: %v", method, path, out)
		return out
	}
	do("POST", "/auth/register", "", map[string]any{"email": "ada@example.com", "password": "a long passphrase", "name": "Ada Lovelace"}, http.StatusCreated)
	token := do("POST", "/auth/login", "", map[string]any{"email": "ada@example.com", "password": "a long passphrase"}, http.StatusOK)["token"].(string)
	sub := do("POST", "/submissions", token, map[string]any{"product_id": "APIP13128UN", "serial_number": "356938035643809", "condition": "good"}, http.StatusCreated)
	id := sub["id"].(string)
	do("POST", "/submissions/"+id, token, nil, http.StatusOK)
	do("POST", "/submissions/"+id+"/imei-check", key, map[string]any{}, http.StatusOK)
	do("POST", "/offers", key, map[string]any{"submission_id": id, "amount": json.Number("350.00"),
		"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, http.StatusCreated)

	mctx, mcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer mcancel()
	m, err := mp.WaitForMessage(mctx, "ada@example.com")
	require.NoError(t, err)
	assert.Equal(t, "Your trade-in offer: $350.00 for your Apple iPhone 13 128GB ("+sub["reference"].(string)+")", m.Subject)
	assert.Contains(t, m.Text, "https://trade-in.acme.test/api/acme/offers/")

	// The admin API's imports and exports, behind its admin keys.
	post := func(bearer string) (int, string) {
		req, err := http.NewRequest("POST", base+"/admin/imports/flags", strings.NewReader(
			"imei,kind,reason\n357994250000091,finance-locked,9 payments left\n"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "text/csv")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, body := post("")
	assert.Equal(t, http.StatusUnauthorized, status, body)
	status, body = post(token)
	assert.Equal(t, http.StatusForbidden, status, "a customer is no admin: %s", body)
	status, body = post(key)
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"imported":1`)
	req, err := http.NewRequest("GET", base+"/admin/exports/payouts", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	csv, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(string(csv), "id,at,trade_in_id,kind,amount,method,destination,reference,actor,note\n"), "%s", csv)
}

func TestServeRefusesATenantThatHidesThePublicAPI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--tenant", "v1"}, io.Discard, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--tenant")
}
