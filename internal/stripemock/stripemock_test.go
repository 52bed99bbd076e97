package stripemock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartServesStripeAPIOnLoopback(t *testing.T) {
	base := Start(t)

	u, err := url.Parse(base)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", u.Hostname())

	form := url.Values{"amount": {"1200"}, "currency": {"usd"}, "destination": {"acct_1Test"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v1/transfers", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer sk_test_stripemock")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	var transfer struct {
		Object string `json:"object"`
		Amount int64  `json:"amount"`
	}
	require.NoError(t, json.Unmarshal(body, &transfer))
	assert.Equal(t, "transfer", transfer.Object)
	assert.Equal(t, int64(1200), transfer.Amount)
}

func TestFind(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // nothing on PATH

	installed := t.TempDir()
	bin := filepath.Join(installed, "stripe-mock")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	notExecutable := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(notExecutable, "stripe-mock"), nil, 0o644))

	got, err := find([]string{"/nonexistent/bin", installed})
	require.NoError(t, err)
	assert.Equal(t, bin, got)

	_, err = find([]string{"/nonexistent/bin", notExecutable})
	require.EqualError(t, err, "stripe-mock is neither on PATH nor in /nonexistent/bin, "+notExecutable)
}
