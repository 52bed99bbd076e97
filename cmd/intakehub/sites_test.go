package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSitesCommands adds sites, enrolls a bench at one, moves another
// bench, an operator and a trade-in there, and lists them; bad lines are
// refused with a message and change nothing.
func TestSitesCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	runOK(t, "seed", "--demo", "--tradeins", "2", "--db", db)
	assert.Equal(t, "site leeds-wh added: warehouse Leeds warehouse\n",
		runOK(t, "sites", "add", "leeds-wh", "--name", "Leeds warehouse", "--kind", "warehouse", "--db", db))
	assert.Equal(t, "site soho added: store Soho store\n",
		runOK(t, "sites", "--db", db, "add", "soho", "--kind", "store", "--name", "Soho store"))
	require.Regexp(t, `^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}\n$`, runOK(t, "enroll-bench", "bench-1", "--site", "leeds-wh", "--db", db))
	runOK(t, "enroll-bench", "bench-2", "--db", db)
	assert.Equal(t, "bench bench-2 at site leeds-wh\n", runOK(t, "sites", "bench", "bench-2", "leeds-wh", "--db", db))
	assert.Equal(t, "operator op-tech-1 at site soho\n", runOK(t, "sites", "operator", "op-tech-1", "soho", "--db", db))
	assert.Equal(t, "trade-in ti-00000001 at site soho\n", runOK(t, "sites", "tradein", "ti-00000001", "soho", "--db", db))
	assert.Equal(t, "trade-in ti-00000001 at every site\n", runOK(t, "sites", "tradein", "ti-00000001", "none", "--db", db))
	assert.Equal(t, `ID        KIND       NAME             BENCHES
leeds-wh  warehouse  Leeds warehouse  bench-1,bench-2
soho      store      Soho store       -
`, runOK(t, "sites", "list", "--db", db))

	tests := []struct {
		name  string
		args  []string
		usage bool
		msg   string
	}{
		{"no subcommand", []string{"sites"}, true, "say what to do"},
		{"an unknown subcommand", []string{"sites", "remove", "soho"}, true, `unknown subcommand "remove"`},
		{"too few arguments", []string{"sites", "bench", "bench-1"}, true, "bench takes 2 argument(s)"},
		{"a bad kind", []string{"sites", "add", "bath", "--name", "Bath", "--kind", "depot"}, false, "invalid_site_kind"},
		{"an unknown site", []string{"sites", "bench", "bench-1", "york"}, false, "unknown_site"},
		{"enrolling at an unknown site", []string{"enroll-bench", "bench-3", "--site", "york"}, false, `there is no site "york"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append(tt.args, "--db", db), &out, &errOut)
			require.Error(t, err)
			if tt.usage {
				require.ErrorIs(t, err, errUsage)
				assert.Contains(t, errOut.String(), tt.msg)
			} else {
				assert.ErrorContains(t, err, tt.msg)
			}
			assert.Empty(t, out.String())
		})
	}
	assert.Equal(t, `ID        KIND       NAME             BENCHES
leeds-wh  warehouse  Leeds warehouse  bench-1,bench-2
soho      store      Soho store       -
`, runOK(t, "sites", "list", "--db", db), "refusals changed nothing")
}
