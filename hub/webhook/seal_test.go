package webhook

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
)

// testKey is a fixed key, n repeated, for sealing tests.
func testKey(n byte) []byte { return bytes.Repeat([]byte{n}, KeySize) }

func testSealer(t *testing.T, n byte) *Sealer {
	t.Helper()
	s, err := NewSealer(testKey(n))
	require.NoError(t, err)
	return s
}

func TestSealerOpensOnlyWhatItSealed(t *testing.T) {
	a, b := testSealer(t, 1), testSealer(t, 2)
	// Key ids computed outside Go:
	//	python3 -c "import hmac,hashlib; print(hmac.new(bytes([1])*32, b'intakebench webhook secret key id', hashlib.sha256).hexdigest()[:16])"
	assert.Equal(t, "0ea79142caa06868", a.KeyID())
	assert.Equal(t, "f35ac88d95a2169f", b.KeyID())
	sealed := a.Seal("we_1", testSecret)
	assert.Len(t, sealed, 1+8+12+len(testSecret)+16, "version, key id, nonce, ciphertext, tag")
	assert.NotContains(t, string(sealed), testSecret)
	assert.NotEqual(t, sealed, a.Seal("we_1", testSecret), "a fresh nonce each time")

	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-20] ^= 1
	version2 := bytes.Clone(sealed)
	version2[0] = 2
	for _, tt := range []struct {
		name     string
		sealer   *Sealer
		endpoint string
		sealed   []byte
		want     string
		wantErr  error
		message  string
	}{
		{"as sealed", a, "we_1", sealed, testSecret, nil, ""},
		{"another key", b, "we_1", sealed, "", ErrWrongKey,
			"webhook: secret was sealed with another key: endpoint we_1: sealed with key 0ea79142caa06868, the configured key is f35ac88d95a2169f"},
		{"moved to another endpoint", a, "we_2", sealed, "", ErrCorruptSecret,
			"webhook: sealed secret is corrupt: endpoint we_2: cipher: message authentication failed"},
		{"a byte changed", a, "we_1", flipped, "", ErrCorruptSecret,
			"webhook: sealed secret is corrupt: endpoint we_1: cipher: message authentication failed"},
		{"truncated", a, "we_1", sealed[:30], "", ErrCorruptSecret,
			"webhook: sealed secret is corrupt: endpoint we_1: not a version 1 sealed secret"},
		{"unknown version", a, "we_1", version2, "", ErrCorruptSecret,
			"webhook: sealed secret is corrupt: endpoint we_1: not a version 1 sealed secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.endpoint, tt.sealed)
			assert.Equal(t, tt.want, got, "nothing but the secret, never garbage")
			if tt.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
			assert.EqualError(t, err, tt.message)
		})
	}

	_, err := NewSealer(testKey(1)[:16])
	assert.EqualError(t, err, "webhook: secret key is 16 bytes, want 32 (AES-256)")
}

// storedSecrets reads every endpoint's stored secret.
func storedSecrets(t *testing.T, db *hubdb.DB) []hubdb.WebhookSecret {
	t.Helper()
	var out []hubdb.WebhookSecret
	require.NoError(t, db.View(t.Context(), func(tx *hubdb.Tx) (err error) {
		out, err = tx.WebhookSecrets(t.Context())
		return err
	}))
	return out
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "hub.db"))
	defer db.Close()
	const secret = "whsec_sealed_at_rest_0123456789"
	rc := newReceiver(t, secret, nil)
	d := stepDispatcher(t, db, newFakeClock(), Config{Secrets: testSealer(t, 1)})
	ep, got, err := d.Register(ctx, rc.srv.URL, nil, secret)
	require.NoError(t, err)
	assert.Equal(t, secret, got, "the owner gets the plaintext once")

	stored := storedSecrets(t, db)
	require.Len(t, stored, 1)
	assert.Equal(t, ep.ID, stored[0].EndpointID)
	assert.Empty(t, stored[0].Secret)
	assert.NotContains(t, string(stored[0].SealedSecret), secret)
	files, err := filepath.Glob(filepath.Join(dir, "hub.db*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(raw, []byte(secret)), "%s holds the plaintext secret", filepath.Base(f))
	}

	// Signatures use the plaintext: the receiver verifies with it.
	require.NoError(t, d.Publish(ctx, EventTradeInReceived, map[string]int{"n": 1}))
	_, err = d.DeliverDue(ctx)
	require.NoError(t, err)
	require.Len(t, rc.requests(), 1)
	ds, err := d.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, StateDelivered, ds[0].State)
}

// TestSealSecretsOnStart: a database from before sealing keeps plaintext
// secrets; the first start with a key seals them all, removed endpoints'
// too, and deliveries go on signed with the same secrets.
func TestSealSecretsOnStart(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clk := newFakeClock()
	rc := newReceiver(t, testSecret, nil)
	old := stepDispatcher(t, db, clk, Config{})
	ep, _, err := old.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)
	gone, _, err := old.Register(ctx, rc.srv.URL, nil, "whsec_removed_endpoint_secret")
	require.NoError(t, err)
	require.NoError(t, old.Remove(ctx, gone.ID))
	for _, s := range storedSecrets(t, db) {
		require.Nil(t, s.SealedSecret, "without a key secrets stay plaintext")
	}
	n, err := old.SealSecrets(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing to seal with, nothing sealed")

	sealer := testSealer(t, 1)
	d := stepDispatcher(t, db, clk, Config{Secrets: sealer})
	n, err = d.SealSecrets(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	opened := map[string]string{}
	for _, s := range storedSecrets(t, db) {
		assert.Empty(t, s.Secret)
		opened[s.EndpointID], err = sealer.Open(s.EndpointID, s.SealedSecret)
		require.NoError(t, err)
	}
	assert.Equal(t, map[string]string{ep.ID: testSecret, gone.ID: "whsec_removed_endpoint_secret"}, opened)
	n, err = d.SealSecrets(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "sealed once")

	require.NoError(t, d.Publish(ctx, EventTradeInGraded, map[string]int{"n": 1}))
	_, err = d.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Len(t, rc.requests(), 1, "signed with the sealed secret's plaintext")
}

func TestWrongOrMissingKeyIsAClearError(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clk := newFakeClock()
	rc := newReceiver(t, testSecret, nil)
	sealedWithA := stepDispatcher(t, db, clk, Config{Secrets: testSealer(t, 1)})
	ep, _, err := sealedWithA.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)
	// A plaintext row beside it, as from before sealing: a failed check
	// must not seal it under the wrong key.
	plain, _, err := stepDispatcher(t, db, clk, Config{}).Register(ctx, rc.srv.URL, []string{EventQuoteCreated}, testSecret)
	require.NoError(t, err)

	for _, tt := range []struct {
		name    string
		sealer  *Sealer
		wantErr error
		message string
	}{
		{"another key", testSealer(t, 2), ErrWrongKey,
			"webhook seal secrets: webhook: secret was sealed with another key: endpoint " + ep.ID + ": sealed with key 0ea79142caa06868, the configured key is f35ac88d95a2169f"},
		{"no key", nil, ErrNoKey,
			"webhook seal secrets: webhook: secret is sealed but no secret key is configured: endpoint " + ep.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := stepDispatcher(t, db, clk, Config{Secrets: tt.sealer})
			n, err := d.SealSecrets(ctx)
			assert.Zero(t, n)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.EqualError(t, err, tt.message)
			for _, s := range storedSecrets(t, db) {
				if s.EndpointID == plain.ID {
					assert.Equal(t, testSecret, s.Secret, "left as it was")
				}
			}

			// A delivery under the wrong key is a logged failure: nothing
			// signed with garbage leaves the hub.
			require.NoError(t, d.Publish(ctx, EventTradeInReceived, map[string]string{"case": tt.name}))
			_, err = d.DeliverDue(ctx)
			require.NoError(t, err)
			ds, err := d.Deliveries(ctx, ep.ID)
			require.NoError(t, err)
			require.NotEmpty(t, ds[0].Log)
			a := ds[0].Log[0]
			assert.Zero(t, a.StatusCode)
			assert.True(t, strings.HasPrefix(a.Error, "secret: "), a.Error)
			assert.Contains(t, a.Error, strings.TrimPrefix(tt.message, "webhook seal secrets: "))
			assert.NotNil(t, a.RetryAt, "retried: the key can be fixed")
			clk.Advance(time.Hour)
		})
	}
	assert.Empty(t, rc.requests())
}
