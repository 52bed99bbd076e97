package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
)

func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := dispatch(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func decodeLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var got []T
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var v T
		require.NoError(t, dec.Decode(&v))
		got = append(got, v)
	}
	return got
}

func TestParseCommand(t *testing.T) {
	out, _, err := run(t, "", "parse", "356938035643809", "3569380356438012", "356938035643808", "IMEI1: 356938035643809 IMEI2: 356938035643817")
	require.NoError(t, err)
	got := decodeLines[parsed](t, out)
	require.Len(t, got, 4)

	assert.Equal(t, []intake.Identifier{{Kind: intake.KindIMEI, Value: "356938035643809"}}, got[0].Identifiers)
	assert.Empty(t, got[0].Error)
	assert.Equal(t, []intake.Identifier{{Kind: intake.KindIMEI, Value: "356938035643809"}}, got[1].Identifiers, "an IMEISV gives its IMEI")
	assert.Empty(t, got[2].Identifiers, "a wrong check digit gives no IMEI")
	assert.Contains(t, got[2].Error, "check digit")
	assert.Equal(t, []intake.Identifier{{Kind: intake.KindIMEI, Value: "356938035643809"}, {Kind: intake.KindIMEI, Value: "356938035643817"}}, got[3].Identifiers)
}

func TestParseCommandReadsStdin(t *testing.T) {
	out, _, err := run(t, "356938035643809\n\n]E00190198001795\n", "parse")
	require.NoError(t, err)
	got := decodeLines[parsed](t, out)
	require.Len(t, got, 3, "one object per line, blank lines included")
	assert.Equal(t, "356938035643809", got[0].Input)
	assert.NotEmpty(t, got[1].Error, "an empty scan says so")
	assert.Equal(t, []intake.Identifier{{Kind: intake.KindEAN13, Value: "0190198001795"}}, got[2].Identifiers)
	assert.Contains(t, out, `"identifiers":[]`, "no identifiers is an empty list, not null")
}

func TestDemoDataThenLookup(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	out, _, err := run(t, "", "demo-data", "--db", db, "--tradeins", "200", "--seed", "5")
	require.NoError(t, err)
	assert.Contains(t, out, "200 trade-ins")

	// The same seed makes the same trade-ins, so the test knows what the store holds.
	data := demo.Generate(200, 5, time.Now())
	flagged := map[string]bool{}
	for _, f := range data.Flags {
		flagged[f.IMEI] = true
	}
	var want intake.TradeIn
	for _, ti := range data.TradeIns {
		if !flagged[ti.IMEI] {
			want = ti
			break
		}
	}
	out, _, err = run(t, "", "lookup", "--db", db, want.IMEI, "358240051111110")
	require.NoError(t, err)
	got := decodeLines[intake.Match](t, out)
	require.Len(t, got, 2)
	assert.Equal(t, intake.OutcomeMatched, got[0].Outcome)
	require.NotNil(t, got[0].TradeIn)
	assert.Equal(t, want.Reference, got[0].TradeIn.Reference)
	assert.Equal(t, intake.OutcomeUnknown, got[1].Outcome)

	if len(data.Flags) > 0 {
		out, _, err = run(t, "", "lookup", "--db", db, data.Flags[0].IMEI)
		require.NoError(t, err)
		assert.Equal(t, intake.OutcomeFlagged, decodeLines[intake.Match](t, out)[0].Outcome)
	}
}

func TestCommandLineMistakes(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"demo-data", "--tradeins", "0"}, "--tradeins must be between"},
		{[]string{"lookup"}, "usage: intakebench lookup"},
	}
	for _, tt := range tests {
		_, errOut, err := run(t, "", tt.args...)
		assert.ErrorIs(t, err, errUsage, tt.args)
		assert.Contains(t, errOut, tt.want, tt.args)
	}
	_, _, err := run(t, "", "lookup", "--db", filepath.Join(t.TempDir(), "missing.db"), "356938035643809")
	assert.ErrorContains(t, err, "missing.db", "a missing store is named, not silently created")
}

func TestSyncCommandExplainsTheEmbeddedHub(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	require.NoError(t, writeTokenFile(defaultTokenFile(db), enrollment{Hub: embeddedHub, Bench: "bench-1", Token: "secret-token"}))
	_, _, err := run(t, "", "sync", "--once", "--db", db)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "demo hub that runs inside the app")
	assert.NotContains(t, err.Error(), "secret-token", "a token is never shown")
}
