package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// keyText is the base64 of 32 bytes of n.
func keyText(n byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{n}, 32)) }

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadSecretKey(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own.key")
	require.NoError(t, os.WriteFile(own, []byte(keyText(2)+"\n"), 0o600))
	short := filepath.Join(dir, "short.key")
	require.NoError(t, os.WriteFile(short, []byte(base64.StdEncoding.EncodeToString([]byte("sixteen bytes!!!"))), 0o600))
	for _, tt := range []struct {
		name    string
		file    string
		vars    map[string]string
		wantKey byte
		source  string
		message string
	}{
		{"from the environment", "", map[string]string{"INTAKEHUB_SECRET_KEY": keyText(1)}, 1, "INTAKEHUB_SECRET_KEY", ""},
		{"unpadded and spaced", "", map[string]string{"INTAKEHUB_SECRET_KEY": " " + strings.TrimRight(keyText(1), "=") + "\n"}, 1, "INTAKEHUB_SECRET_KEY", ""},
		{"from a file", own, nil, 2, own, ""},
		{"both", own, map[string]string{"INTAKEHUB_SECRET_KEY": keyText(1)}, 0, "",
			"secret key: both --secret-key-file and INTAKEHUB_SECRET_KEY are set: give one"},
		{"not base64", "", map[string]string{"INTAKEHUB_SECRET_KEY": "hunter2 is my key!"}, 0, "",
			"secret key from INTAKEHUB_SECRET_KEY: not base64: want the base64 of 32 random bytes (openssl rand -base64 32)"},
		{"too short", short, nil, 0, "",
			"secret key file " + short + ": 16 bytes: want the base64 of 32 random bytes (openssl rand -base64 32)"},
		{"missing file", filepath.Join(dir, "nope.key"), nil, 0, "",
			"secret key file: open " + filepath.Join(dir, "nope.key") + ": no such file or directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadSecretKey(tt.file, env(tt.vars), filepath.Join(dir, "hub.db"))
			if tt.message != "" {
				assert.EqualError(t, err, tt.message)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, bytes.Repeat([]byte{tt.wantKey}, 32), got.key)
			assert.Equal(t, tt.source, got.source)
			assert.Empty(t, got.created)
		})
	}
	_, err := os.Stat(filepath.Join(dir, "hub.db.key"))
	assert.ErrorIs(t, err, os.ErrNotExist, "a configured key makes no default file")
}

func TestDefaultKeyFileIsCreatedOnceBesideTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db") // the key file sits beside a SQLite file
	first, err := loadSecretKey("", env(nil), db)
	require.NoError(t, err)
	assert.Equal(t, db+".key", first.source)
	assert.Equal(t, db+".key", first.created)
	assert.Len(t, first.key, 32)
	info, err := os.Stat(db + ".key")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.False(t, keyFileExposed(db+".key"))

	again, err := loadSecretKey("", env(nil), db)
	require.NoError(t, err)
	assert.Equal(t, first.key, again.key, "read back, not made anew")
	assert.Empty(t, again.created)

	require.NoError(t, os.Chmod(db+".key", 0o644))
	assert.True(t, keyFileExposed(db+".key"))
}

// serveDispatcher makes the dispatcher as serve does, with flags args.
func serveDispatcher(t *testing.T, h *hub.Hub, db string, vars map[string]string, args ...string) (*webhook.Dispatcher, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f := addWebhookFlags(fs, &db)
	f.getenv = env(vars)
	require.NoError(t, fs.Parse(args))
	return f.dispatcher(t.Context(), h, slog.New(slog.DiscardHandler))
}

// TestServeSealsPlaintextSecrets: a hub from before sealing starts with
// the default key file made for it and its plaintext secrets sealed; a
// start with another key stops with a clear error.
func TestServeSealsPlaintextSecrets(t *testing.T) {
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "hub.db") // the key file sits beside a SQLite file
	h, err := hub.Open(ctx, db, hub.Config{})
	require.NoError(t, err)
	defer h.Close()
	old, err := webhook.New(h.DB(), webhook.Config{}) // no key: as before sealing
	require.NoError(t, err)
	ep, _, err := old.Register(ctx, "https://203.0.113.9/hook", nil, "whsec_old_plaintext_secret")
	require.NoError(t, err)

	_, err = serveDispatcher(t, h, db, nil)
	require.NoError(t, err)
	var secrets []hubdb.WebhookSecret
	require.NoError(t, h.DB().View(ctx, func(tx *hubdb.Tx) (err error) {
		secrets, err = tx.WebhookSecrets(ctx)
		return err
	}))
	require.Len(t, secrets, 1)
	assert.Equal(t, ep.ID, secrets[0].EndpointID)
	assert.Empty(t, secrets[0].Secret)
	key, err := os.ReadFile(db + ".key")
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(key)))
	require.NoError(t, err)
	sealer, err := webhook.NewSealer(raw)
	require.NoError(t, err)
	plain, err := sealer.Open(ep.ID, secrets[0].SealedSecret)
	require.NoError(t, err)
	assert.Equal(t, "whsec_old_plaintext_secret", plain)

	_, err = serveDispatcher(t, h, db, map[string]string{"INTAKEHUB_SECRET_KEY": keyText(7)})
	require.ErrorIs(t, err, webhook.ErrWrongKey)
	assert.Contains(t, err.Error(), "(key from INTAKEHUB_SECRET_KEY, id ")

	// The key file lost: a new one would be made, fails, and is not left
	// behind to hide the loss on the next start.
	require.NoError(t, os.Remove(db+".key"))
	_, err = serveDispatcher(t, h, db, nil)
	require.ErrorIs(t, err, webhook.ErrWrongKey)
	_, err = os.Stat(db + ".key")
	assert.ErrorIs(t, err, os.ErrNotExist)

	// The guard is on unless asked off.
	d, err := serveDispatcher(t, h, db, map[string]string{"INTAKEHUB_SECRET_KEY": base64.StdEncoding.EncodeToString(raw)})
	require.NoError(t, err)
	_, _, err = d.Register(ctx, "http://127.0.0.1:9/hook", nil, "")
	assert.Error(t, err)
	d, err = serveDispatcher(t, h, db, map[string]string{"INTAKEHUB_SECRET_KEY": base64.StdEncoding.EncodeToString(raw)}, "--webhooks-allow-private")
	require.NoError(t, err)
	_, _, err = d.Register(ctx, "http://127.0.0.1:9/hook", nil, "")
	assert.NoError(t, err)
}

func TestWebhooksCommand(t *testing.T) {
	ctx := context.Background()
	db := hubtest.DSN(t)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusGone)
	}))
	defer failing.Close()

	h, err := hub.Open(ctx, db, hub.Config{})
	require.NoError(t, err)
	d, err := webhook.New(h.DB(), webhook.Config{AllowPrivateTargets: true, MaxAttempts: 1})
	require.NoError(t, err)
	ep, _, err := d.Register(ctx, failing.URL+"/hook", []string{webhook.EventQuoteCreated}, "")
	require.NoError(t, err)
	for range 2 {
		require.NoError(t, d.Publish(ctx, webhook.EventQuoteCreated, map[string]int{"id": 1}))
	}
	_, err = d.DeliverDue(ctx)
	require.NoError(t, err)
	require.NoError(t, h.Close())

	out := runOK(t, "webhooks", "list", "--db", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	assert.Equal(t, []string{"ID", "URL", "EVENTS", "CREATED"}, strings.Fields(lines[0]))
	assert.Equal(t, []string{ep.ID, failing.URL + "/hook", "buyback.quote.created"}, strings.Fields(lines[1])[:3])

	out = runOK(t, "webhooks", "dead", ep.ID, "--db", db)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Equal(t, []string{"DELIVERY", "EVENT", "TYPE", "ATTEMPTS", "REDRIVES", "LAST", "DIED"}, strings.Fields(lines[0]))
	row := strings.Fields(lines[1])
	assert.Equal(t, "2", row[0], "newest first")
	assert.Equal(t, []string{"buyback.quote.created", "1", "0", "HTTP", "410", "Gone"}, row[2:8])

	assert.Equal(t, "redrove 1 deliveries to "+ep.ID+": 1\n", runOK(t, "webhooks", "redrive", ep.ID, "--delivery", "1", "--db", db))
	assert.Equal(t, "redrove 1 deliveries to "+ep.ID+": 2\n", runOK(t, "webhooks", "redrive", "--db", db, ep.ID))
	assert.Equal(t, "no dead deliveries to "+ep.ID+"\n", runOK(t, "webhooks", "redrive", ep.ID, "--db", db))
	assert.Equal(t, "[]\n", runOK(t, "webhooks", "dead", ep.ID, "--db", db, "--json"))

	for _, tt := range []struct {
		name    string
		args    []string
		message string
	}{
		{"unknown endpoint", []string{"webhooks", "dead", "we_nope", "--db", db},
			"webhook endpoint we_nope not found, or removed (intakehub webhooks list shows the registered ones)"},
		{"not dead", []string{"webhooks", "redrive", ep.ID, "--delivery", "1", "--db", db},
			"webhook redrive " + ep.ID + ": webhook: delivery is not dead-lettered: delivery 1 is pending"},
		{"no such delivery", []string{"webhooks", "redrive", ep.ID, "--delivery", "9", "--db", db},
			"webhook redrive " + ep.ID + ": webhook: delivery not found: 9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := run(ctx, tt.args, io.Discard, io.Discard)
			assert.EqualError(t, err, tt.message)
		})
	}
	for _, args := range [][]string{
		{"webhooks"}, {"webhooks", "dead"}, {"webhooks", "list", "extra"}, {"webhooks", "purge", ep.ID},
		{"webhooks", "dead", ep.ID, "--delivery", "1"}, {"webhooks", "redrive", ep.ID, "--delivery", "-1"},
	} {
		var stderr bytes.Buffer
		assert.ErrorIs(t, run(ctx, args, io.Discard, &stderr), errUsage, "%v", args)
		assert.Contains(t, stderr.String(), "usage: intakehub webhooks list", "%v", args)
	}
}

// A PostgreSQL hub has no file to keep the key beside, and its processes
// must share one: it is told to give the key.
func TestAPostgresHubNeedsItsSecretKeyGiven(t *testing.T) {
	_, err := loadSecretKey("", env(nil), "postgres://hub@db.internal/hub")
	assert.EqualError(t, err, "secret key: a PostgreSQL hub needs it from INTAKEHUB_SECRET_KEY or --secret-key-file, the same for every hub process")
}
