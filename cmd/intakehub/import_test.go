package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

const examples = "../../docs/examples"

func TestImportCommand(t *testing.T) {
	db := hubtest.DSN(t)
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"import", "catalog", filepath.Join(examples, "catalog.csv"), "--db", db}, &out, &errOut))
	assert.Regexp(t, `^catalog: 2 rows: 2 imported, 0 updated, 0 already there, 0 rejected \(\d+\.\ds\)\n$`, out.String())
	assert.Empty(t, errOut.String(), "no progress bar off a terminal")

	file := filepath.Join(t.TempDir(), "tradeins.csv")
	require.NoError(t, os.WriteFile(file, []byte(`external_id,status,sku,imei,condition,offer
EXT-1,accepted,APIP13128UN,354432110000012,good,318.75
EXT-2,accepted,APIP13128UN,354432110000013,good,318.75
EXT-3,accepted,NOPE,354432110000020,good,1.00
`), 0o600))
	for _, want := range []string{
		`^tradeins: 3 rows: 1 imported, 0 updated, 0 already there, 2 rejected \(`,
		`^tradeins: 3 rows: 0 imported, 0 updated, 1 already there, 2 rejected \(`,
	} {
		out.Reset()
		errOut.Reset()
		err := run(context.Background(), []string{"import", "tradeins", file, "--db", db}, &out, &errOut)
		require.EqualError(t, err, "2 of 3 rows rejected (listed above); the others were imported")
		assert.Regexp(t, want, out.String())
		assert.Equal(t, "line 3: imei: IMEI check digit is 3, expected 2\nline 4: sku: unknown SKU \"NOPE\": not in the hub's catalog\n", errOut.String())
	}

	out.Reset()
	err := run(context.Background(), []string{"import", "tradeins", file, "--db", db, "--json"}, &out, &errOut)
	require.Error(t, err)
	var rep map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	assert.Equal(t, map[string]any{"kind": "tradeins", "rows": 3.0, "imported": 0.0, "updated": 0.0, "skipped_existing": 1.0, "rejected_rows": 2.0,
		"rejected": []any{
			map[string]any{"line": 3.0, "field": "imei", "reason": "IMEI check digit is 3, expected 2"},
			map[string]any{"line": 4.0, "field": "sku", "reason": `unknown SKU "NOPE": not in the hub's catalog`},
		}}, rep)
}

func TestImportCommandRefusals(t *testing.T) {
	dir := t.TempDir()
	db := hubtest.DSN(t)
	bad := filepath.Join(dir, "flags.csv")
	require.NoError(t, os.WriteFile(bad, []byte("354432110000012,blacklisted\n"), 0o600))
	for _, tc := range []struct {
		args    []string
		err     string
		stderr  string
		isUsage bool
	}{
		{args: []string{"import", "tradeins"}, isUsage: true, stderr: "usage: intakehub import"},
		{args: []string{"import", "customers", "x.csv"}, isUsage: true, stderr: `import: unknown import "customers"`},
		{args: []string{"import", "flags", "flags.txt"}, isUsage: true, stderr: "import: flags.txt has no .csv or .jsonl extension: give --format"},
		{args: []string{"import", "flags", "flags.csv", "--format", "xml"}, isUsage: true, stderr: `import: unknown format "xml" (want csv or jsonl)`},
		{args: []string{"import", "flags", "flags.csv", "--batch", "0"}, isUsage: true, stderr: "import: --batch must be between 1 and 100000"},
		{args: []string{"import", "flags", bad}, err: "line 1: no header: the first line must name the columns (imei, kind, reason, since, balance)"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(tc.args, "--db", db), &out, &errOut)
		if tc.isUsage {
			require.ErrorIs(t, err, errUsage, "%v", tc.args)
		} else {
			require.EqualError(t, err, tc.err)
		}
		assert.Contains(t, errOut.String(), tc.stderr, "%v", tc.args)
	}
}

func TestExportCommand(t *testing.T) {
	db := hubtest.DSN(t)
	for _, kind := range []string{"catalog", "tradeins"} {
		runOK(t, "import", kind, filepath.Join(examples, kind+".jsonl"), "--db", db)
	}
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"export", "payouts", "--db", db, "--since", "2020-01-01"}, &out, &errOut))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 6, out.String())
	assert.Equal(t, "id,at,trade_in_id,kind,amount,method,destination,reference,actor,note", lines[0])
	for i, want := range []string{`^1,[^,]+,imp_[^,]+,obligation,620\.00,check,,,import,$`, `^2,[^,]+,imp_[^,]+,obligation,248\.62,card,,,import,$`,
		`^3,[^,]+,imp_[^,]+,release,248\.62,card,,,import,$`, `^4,[^,]+,imp_[^,]+,settle,248\.62,card,,ch_3PqL2xAbC,import,$`,
		`^5,[^,]+,imp_[^,]+,obligation,465\.00,store-credit,,,import,$`} {
		assert.Regexp(t, want, lines[i+1])
	}
	assert.Equal(t, "exported 5 payouts rows\n", errOut.String())

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"export", "stock", "--db", db, "--since", "2999-01-01"}, &out, &errOut))
	assert.Equal(t, "id,at,sku,delta,reason,trade_in_id,unit_id,balance\n", out.String())

	for _, args := range [][]string{{"export"}, {"export", "customers"}, {"export", "units", "--since", "soon"}} {
		require.ErrorIs(t, run(context.Background(), append(args, "--db", db), &out, &errOut), errUsage, "%v", args)
	}
	missing := filepath.Join(t.TempDir(), "hub.db")
	require.EqualError(t, run(context.Background(), []string{"export", "units", "--db", missing}, &out, &errOut),
		"export: there is no hub database "+missing)
}

// TestKillDuringImportLeavesWholeBatches kills the real command with
// SIGKILL in the middle of a big import: every batch is in the database
// whole or not at all (a multiple of the batch size of trade-ins, each
// with all its rows), and importing the file again adds exactly the rest.
func TestKillDuringImportLeavesWholeBatches(t *testing.T) {
	if hubtest.Postgres() {
		t.Skip("what a kill leaves of a SQLite file; PostgreSQL's transactions are the server's")
	}
	rows, batch := 200_000, 1000
	if testing.Short() {
		rows = 30_000
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "intakehub")
	build := exec.Command("go", "build", "-o", bin, ".")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	db := filepath.Join(dir, "hub.db")
	runOK(t, "import", "catalog", filepath.Join(examples, "catalog.csv"), "--db", db)
	file := filepath.Join(dir, "tradeins.csv")
	writeTradeIns(t, file, rows)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "import", "tradeins", file, "--db", db, "--batch", fmt.Sprint(batch))
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	raw, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer raw.Close()
	count := func(query string) int {
		t.Helper()
		var n int
		require.NoError(t, raw.QueryRow(query).Scan(&n), query)
		return n
	}
	// Kill it once a few batches have committed.
	for count(`SELECT count(*) FROM tradeins`) < 3*batch {
		select {
		case err := <-exited:
			t.Fatalf("the import ended before it was killed: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	require.NoError(t, cmd.Process.Kill())
	assert.EqualError(t, <-exited, "signal: killed")

	imported := count(`SELECT count(*) FROM tradeins`)
	t.Logf("killed after %d of %d trade-ins", imported, rows)
	assert.Zero(t, imported%batch, "%d trade-ins: not whole batches of %d", imported, batch)
	assert.Less(t, imported, rows)
	const accepted = `('accepted', 'shipped', 'received', 'inspected', 'completed')`
	for _, q := range []string{
		`SELECT count(*) FROM tradeins t WHERE NOT EXISTS (SELECT 1 FROM tradein_history h WHERE h.tradein_id = t.id)`,
		`SELECT count(*) FROM tradeins t WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.entity = 'tradein' AND c.entity_id = t.id)`,
		`SELECT count(*) FROM tradeins t WHERE t.status IN ` + accepted + ` AND (
			NOT EXISTS (SELECT 1 FROM units u WHERE u.tradein_id = t.id)
			OR NOT EXISTS (SELECT 1 FROM stock_entries s WHERE s.tradein_id = t.id AND s.delta = 1)
			OR NOT EXISTS (SELECT 1 FROM payout_entries p WHERE p.tradein_id = t.id AND p.kind = 'obligation'))`,
		`SELECT count(*) FROM tradeins t WHERE t.status = 'completed' AND NOT EXISTS (SELECT 1 FROM payout_entries p WHERE p.tradein_id = t.id AND p.kind = 'release')`,
		`SELECT count(*) FROM tradeins t WHERE t.status IN ('received', 'inspected', 'completed') AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.tradein_id = t.id)`,
	} {
		assert.Zero(t, count(q), q)
	}
	assert.Equal(t, count(`SELECT count(*) FROM tradeins WHERE status IN `+accepted), count(`SELECT count(*) FROM units`))

	var out bytes.Buffer
	again := exec.CommandContext(ctx, bin, "import", "tradeins", file, "--db", db, "--batch", fmt.Sprint(batch))
	again.Stdout = &out
	again.Stderr = &stderr
	require.NoError(t, again.Run(), stderr.String())
	assert.Regexp(t, regexp.MustCompile(fmt.Sprintf(`^tradeins: %d rows: %d imported, 0 updated, %d already there, 0 rejected`, rows, rows-imported, imported)), out.String())
	assert.Equal(t, rows, count(`SELECT count(*) FROM tradeins`))
	assert.Equal(t, rows, count(`SELECT count(DISTINCT external_id) FROM tradeins`))
	assert.Equal(t, count(`SELECT count(*) FROM tradeins WHERE status IN `+accepted), count(`SELECT count(*) FROM stock_entries`))
}

// writeTradeIns writes n trade-in rows with valid IMEIs on the example
// catalog's TACs, through all nine statuses.
func writeTradeIns(t *testing.T, file string, n int) {
	t.Helper()
	f, err := os.Create(file)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "external_id,status,sku,imei,condition,offer,payout_method")
	skus := []string{"APIP13128UN", "SMS24U256UN"}
	tacs := []string{"35443211", "35799425"}
	for i := range n {
		body := fmt.Sprintf("%s%06d", tacs[i%2], (i*7919+13)%1_000_000)
		d, err := intake.LuhnCheckDigit(body)
		require.NoError(t, err)
		fmt.Fprintf(w, "EXT-%07d,%s,%s,%s%c,good,%d.%02d,check\n", i, intake.Statuses[i%len(intake.Statuses)], skus[i%2], body, d, 50+i%900, i%100)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	assert.False(t, newProgressBar(&b).on, "no bar off a terminal")

	bar := &progressBar{w: &b, on: true}
	bar.update(imports.Progress{Total: 1000})
	bar.last = time.Time{}
	bar.update(imports.Progress{Rows: 500, Total: 1000, Elapsed: time.Second})
	bar.update(imports.Progress{Rows: 600, Total: 1000, Elapsed: time.Second}) // within 100 ms of the last: not drawn
	bar.clear()
	bar.clear()
	assert.Equal(t, "\r\x1b[K[                              ]   0% 0/1000 rows, 0 rows/s"+
		"\r\x1b[K[===============               ]  50% 500/1000 rows, 500 rows/s, 1s left"+
		"\r\x1b[K", b.String())
}
