package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
	"github.com/intakebench/intakebench/ui"
)

// damagedStore makes a bench store with demo trade-ins and overwrites a
// page in the middle of its file, as a failing disk would.
func damagedStore(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "bench.db")
	_, _, err := run(t, "", "demo-data", "--db", db, "--tradeins", "300")
	require.NoError(t, err)
	fi, err := os.Stat(db)
	require.NoError(t, err)
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(bytes.Repeat([]byte{0xA5}, 4096), fi.Size()/2/4096*4096)
	require.NoError(t, errors.Join(err, f.Close()))
	return db
}

func TestEveryCommandStopsOnADamagedStore(t *testing.T) {
	db := damagedStore(t)
	// The token file is read before the store: sync must get that far.
	token, err := json.Marshal(enrollment{Hub: "http://127.0.0.1:1", Bench: "b1", Token: "t"})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(defaultTokenFile(db), token, 0o600))

	for _, args := range [][]string{
		{"lookup", "--db", db, "356938035643809"},
		{"sync", "--once", "--db", db},
		{"demo-data", "--db", db, "--tradeins", "10"},
		{"audit", "verify", "--db", db},
		{"check", "--db", db},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, _, err := run(t, "", args...)
			require.ErrorIs(t, err, store.ErrDamaged)
			var stderr bytes.Buffer
			assert.Equal(t, 3, exit(err, &stderr))
			assert.Contains(t, stderr.String(), "intakebench: the bench database "+db+" is damaged: SQLite's quick check found: ")
			assert.Contains(t, stderr.String(), "stop using this bench and call a supervisor")
		})
	}
}

// sqliteDamage is SQLite's own error for a file that is no database.
func sqliteDamage(t *testing.T) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "garbage.db")
	require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("garbage!"), 512), 0o600))
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("SELECT * FROM sqlite_schema")
	require.Error(t, err)
	return err
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{errUsage, 2},
		{errors.New("hub unreachable"), 1},
		{&store.DamageError{File: "bench.db", Err: errors.New("not a database")}, 3},
		// Damage met after the check of start, in what it left out.
		{fmt.Errorf("lookup: %w", sqliteDamage(t)), 3},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, exit(tt.err, &bytes.Buffer{}), "%v", tt.err)
	}
}

func TestAuditVerify(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	_, _, err := run(t, "", "audit", "verify", "--db", db)
	assert.ErrorIs(t, err, os.ErrNotExist, "verifying makes no store")

	_, _, err = run(t, "", "demo-data", "--db", db, "--tradeins", "10")
	require.NoError(t, err)
	out, _, err := run(t, "", "audit", "verify", "--db", db)
	require.NoError(t, err)
	assert.Equal(t, "audit log of "+db+": 0 entries verified\n", out)

	_, _, err = run(t, "", "audit")
	assert.ErrorIs(t, err, errUsage)
}

// TestAlarmScreenInRealWindow starts the real app on a damaged store: it
// shows the alarm screen, red, and nothing else.
func TestAlarmScreenInRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the app and runs it under Xvfb")
	}
	d := startXvfb(t)
	bin := buildApp(t)
	db := damagedStore(t)
	app := startApp(t, d, bin, "run", "--db", db)
	app.await("screen", ui.ScreenAlarm)
	d.shot(t, "alarm")
	assert.Greater(t, d.share(t, ui.OutcomeColour(intake.OutcomeFlagged)), 0.01, "the red stop banner shows")
}

// TestAlarmAfterStartInRealWindow damages the cache of a store too big for
// the check of start to cover: the app starts, and the check it finishes in
// the background stops it.
func TestAlarmAfterStartInRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the app and runs it under Xvfb")
	}
	d := startXvfb(t)
	bin := buildApp(t)
	db := filepath.Join(t.TempDir(), "bench.db")
	_, _, err := run(t, "", "demo-data", "--db", db, "--tradeins", "20000")
	require.NoError(t, err)
	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=query_only(1)")
	require.NoError(t, err)
	var page int64
	require.NoError(t, raw.QueryRow(`SELECT pageno FROM dbstat WHERE name = 'tradeins' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 100`).Scan(&page))
	require.NoError(t, raw.Close())
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(bytes.Repeat([]byte{0xA5}, 4096), (page-1)*4096)
	require.NoError(t, errors.Join(err, f.Close()))

	app := startApp(t, d, bin, "run", "--db", db)
	app.await("screen", ui.ScreenAlarm)
	// The event comes as the screen is set, before it is painted.
	require.Eventually(t, func() bool { return d.share(t, ui.OutcomeColour(intake.OutcomeFlagged)) > 0.01 },
		10*time.Second, 100*time.Millisecond, "the red stop banner shows")
	d.shot(t, "alarm-after-start")
}

func TestCheckCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	_, _, err := run(t, "", "demo-data", "--db", db, "--tradeins", "50")
	require.NoError(t, err)
	out, _, err := run(t, "", "check", "--db", db)
	require.NoError(t, err)
	assert.Regexp(t, `^bench store .*bench.db: \d+ tables checked in \S+, no damage found\n$`, out)
}
