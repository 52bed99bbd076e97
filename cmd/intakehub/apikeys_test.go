package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIKeyCommands creates keys, lists them without showing any key,
// and revokes one by id and one by the prefix the listing shows.
func TestAPIKeyCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	feed := lastLine(runOK(t, "apikey", "create", "--db", db, "--name", "pricing feed", "--scopes", "pricing:read", "--ttl", "90d"))
	crm := lastLine(runOK(t, "apikey", "--db", db, "create", "--scopes", "buyback:read,buyback:write"))
	for _, key := range []string{feed, crm} {
		require.Regexp(t, `^spk_live_[A-Za-z0-9_-]{43}$`, key)
	}

	list := runOK(t, "apikey", "list", "--db", db)
	for _, key := range []string{feed, crm} {
		assert.NotContains(t, list, key[17:], "a listing never shows a key beyond its prefix")
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	require.Len(t, lines, 3, list)
	assert.Regexp(t, `^ID +PREFIX +NAME +SCOPES +CREATED +EXPIRES +REVOKED +STATE$`, lines[0])
	when := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`
	assert.Regexp(t, `^1 +`+regexp.QuoteMeta(feed[:17])+` +pricing feed +pricing:read +`+when+` +`+when+` +- +active$`, lines[1])
	assert.Regexp(t, `^2 +`+regexp.QuoteMeta(crm[:17])+` +- +buyback:read,buyback:write +`+when+` +never +- +active$`, lines[2])
	created, expires := strings.Fields(lines[1])[5], strings.Fields(lines[1])[6]
	c, err := time.Parse(time.RFC3339, created)
	require.NoError(t, err)
	e, err := time.Parse(time.RFC3339, expires)
	require.NoError(t, err)
	assert.Equal(t, 90*24*time.Hour, e.Sub(c), "--ttl 90d")

	assert.Regexp(t, `^API key 2 \(`+regexp.QuoteMeta(crm[:17])+`\) revoked at `+when+"\n$", runOK(t, "apikey", "revoke", "2", "--db", db))
	assert.Regexp(t, `^API key 1 \(`+regexp.QuoteMeta(feed[:17])+`\) revoked at `+when+"\n$", runOK(t, "apikey", "revoke", "--db", db, feed[:17]))
	list = runOK(t, "apikey", "list", "--db", db)
	assert.Regexp(t, `(?m)^1 +.* `+when+` +revoked$`, list)
	assert.Regexp(t, `(?m)^2 +.* `+when+` +revoked$`, list)
}

func TestAPIKeyCommandRefusals(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	cases := []struct {
		name   string
		args   []string
		usage  bool   // a usage error (exit 2), else a failure (exit 1)
		stderr string // what it says, for a usage error
		err    string // what it says, for a failure
	}{
		{"no verb", []string{"apikey", "--db", db}, true, "say create, list or revoke", ""},
		{"an unknown verb", []string{"apikey", "rotate", "--db", db}, true, `unknown verb "rotate"`, ""},
		{"create's flags on revoke", []string{"apikey", "revoke", "1", "--ttl", "1h", "--db", db}, true, "--ttl is for create only", ""},
		{"create's flags on list", []string{"apikey", "list", "--name", "x", "--scopes", "pricing:read", "--db", db}, true, "--name, --scopes is for create only", ""},
		{"revoke without a key", []string{"apikey", "revoke", "--db", db}, true, "revoke takes one key id or prefix", ""},
		{"list with an argument", []string{"apikey", "list", "all", "--db", db}, true, "list takes no arguments", ""},
		{"a bad lifetime", []string{"apikey", "create", "--ttl", "5x", "--db", db}, true, `"5x" is not a duration`, ""},
		{"an unknown scope", []string{"apikey", "create", "--scopes", "root", "--db", db}, false, "", `unknown scope "root"`},
		{"an unknown key", []string{"apikey", "revoke", "7", "--db", db}, false, "", "no API key has id 7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if tc.usage {
				require.ErrorIs(t, err, errUsage)
				assert.Contains(t, errOut.String(), tc.stderr)
			} else {
				require.Error(t, err)
				assert.NotErrorIs(t, err, errUsage)
				assert.ErrorContains(t, err, tc.err)
			}
			assert.Empty(t, out.String(), "nothing on stdout")
		})
	}
}

func TestParseTTL(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0", 0, ""},
		{"36h", 36 * time.Hour, ""},
		{"90d", 2160 * time.Hour, ""},
		{"0d", 0, ""},
		{"36500d", 876000 * time.Hour, ""},
		{"36501d", 0, "not a number of days"},
		{"-1d", 0, "not a number of days"},
		{"1.5d", 0, "not a number of days"},
		{"-1h", 0, "cannot be negative"},
		{"soon", 0, "not a duration"},
		{"", 0, "not a duration"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseTTL(tc.in)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
