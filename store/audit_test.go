package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// auditedStore is a store file whose audit log holds four receipts, seq 1
// to 4, and a raw connection to the file without the append-only triggers:
// what someone with the file and a SQLite shell has.
func auditedStore(t *testing.T) (*Store, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	s, path := openTemp(t)
	imeis := []string{"356938035643809", "490154203237518", "352099001761481", "358240051111110"}
	var tradeIns []intake.TradeIn
	for i, imei := range imeis {
		tradeIns = append(tradeIns, sampleTradeIn(fmt.Sprint(i+1), imei))
	}
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: tradeIns}, "c1"))
	for i := range imeis {
		receive(t, s, fmt.Sprint(i+1), fmt.Sprint("k", i+1))
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { raw.Close() })
	for _, trigger := range []string{"audit_no_update", "audit_no_delete"} {
		_, err := raw.ExecContext(ctx, "DROP TRIGGER "+trigger)
		require.NoError(t, err)
	}
	return s, raw
}

// forgedHash is the hash a forger who read the code computes for an entry:
// SHA-256 of its fields as a JSON array. It is written out here, not taken
// from entryHash, so that a change of the chain's format fails this test.
func forgedHash(t *testing.T, raw *sql.DB, seq int64) string {
	t.Helper()
	var at, operator, bench, action, subject, reason, detail, prev string
	require.NoError(t, raw.QueryRow(`SELECT at, operator, bench, action, subject, reason, detail, prev_hash FROM audit WHERE seq = ?`, seq).
		Scan(&at, &operator, &bench, &action, &subject, &reason, &detail, &prev))
	b, err := json.Marshal([]any{seq, at, operator, bench, action, subject, reason, detail, prev})
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestVerifyAuditFindsWhereTheChainBreaks(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB)
		n      int64 // entries verified before the break
		seq    int64 // where it breaks
		reason string
	}{
		{"an entry deleted", func(t *testing.T, raw *sql.DB) {
			execOne(t, raw, `DELETE FROM audit WHERE seq = 2`)
		}, 1, 2, "entry missing (next is 3)"},
		{"the first entry deleted", func(t *testing.T, raw *sql.DB) {
			execOne(t, raw, `DELETE FROM audit WHERE seq = 1`)
		}, 0, 1, "entry missing (next is 2)"},
		{"a gap in the sequence", func(t *testing.T, raw *sql.DB) {
			execOne(t, raw, `UPDATE audit SET seq = 5 WHERE seq = 4`)
		}, 3, 4, "entry missing (next is 5)"},
		{"an entry rewritten", func(t *testing.T, raw *sql.DB) {
			execOne(t, raw, `UPDATE audit SET operator = 'mallory' WHERE seq = 2`)
		}, 1, 2, "entry altered: hash does not match its content"},
		// Rewriting an entry and its plain hash is caught at that entry:
		// the seal, keyed by a secret kept out of the database, no longer
		// matches.
		{"an entry rewritten with its own hash recomputed", func(t *testing.T, raw *sql.DB) {
			execOne(t, raw, `UPDATE audit SET operator = 'mallory' WHERE seq = 2`)
			execOne(t, raw, `UPDATE audit SET hash = ? WHERE seq = 2`, forgedHash(t, raw, 2))
		}, 1, 2, "entry altered: its seal does not match (rewritten, or sealed with another key)"},
		{"the first entry chained to something before it", func(t *testing.T, raw *sql.DB) {
			execOne(t, raw, `UPDATE audit SET prev_hash = ? WHERE seq = 1`, "1"+genesisHash[1:])
			execOne(t, raw, `UPDATE audit SET hash = ? WHERE seq = 1`, forgedHash(t, raw, 1))
		}, 0, 1, "previous hash does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, raw := auditedStore(t)
			ctx := context.Background()
			n, err := s.VerifyAudit(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 4, n)

			tt.tamper(t, raw)
			n, err = s.VerifyAudit(ctx)
			var ce *ChainError
			require.True(t, errors.As(err, &ce), "got %v", err)
			assert.Equal(t, &ChainError{Seq: tt.seq, Reason: tt.reason}, ce)
			assert.Equal(t, tt.n, n)
			assert.Equal(t, fmt.Sprintf("audit log broken at entry %d: %s", tt.seq, tt.reason), err.Error())
		})
	}
}

func TestVerifyAuditOfAnEmptyLog(t *testing.T) {
	s, _ := openTemp(t)
	n, err := s.VerifyAudit(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n)
}

func execOne(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	res, err := db.Exec(query, args...)
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "%s changes one row", query)
}

// storeFile writes a store file holding three trade-ins, TI-0000 to
// TI-0002, and closes it, so that everything is in the main file (no WAL
// left) and each table and index fits in its root page.
func storeFile(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	var tradeIns []intake.TradeIn
	for i := range 3 {
		tradeIns = append(tradeIns, sampleTradeIn(fmt.Sprintf("%04d", i), ""))
	}
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: tradeIns}, "c1"))
	require.NoError(t, s.IntegrityCheck(ctx), "the file is whole before it is damaged")
	require.NoError(t, s.Close())
	_, err = os.Stat(path + "-wal")
	require.ErrorIs(t, err, os.ErrNotExist, "closing checkpointed the WAL into the file")
	return path
}

const pageSize = 4096 // SQLite's default, which Open keeps

// page returns the bytes of the root page of the named table or index,
// and where they start in the file.
func page(t *testing.T, path, name string) ([]byte, int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	var root int64
	require.NoError(t, db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = ?`, name).Scan(&root))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	off := (root - 1) * pageSize
	return b[off : off+pageSize], off
}

// overwrite writes b at offset off of the file.
func overwrite(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteAt(b, off)
	require.NoError(t, err)
}

// flip changes the last digit of the first "TI-0001" in the root page of
// name to 9: one bad byte, as a failing disk leaves.
func flip(t *testing.T, path, name string) {
	t.Helper()
	p, off := page(t, path, name)
	i := bytes.Index(p, []byte("TI-0001"))
	require.GreaterOrEqual(t, i, 0, "%s holds TI-0001", name)
	overwrite(t, path, off+int64(i)+6, []byte("9"))
}

// TestIntegrityCheckFindsDamage damages a real store file on disk, the way
// a failing disk or a torn write does, and opens it again: the damage must
// be reported, by Open or by IntegrityCheck, never pass as "ok".
func TestIntegrityCheckFindsDamage(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, path string)
		openErr string // what Open says; "" when it opens and IntegrityCheck must say check
		check   string
	}{
		{"a byte of an index entry", func(t *testing.T, path string) { flip(t, path, "tradeins_reference") },
			"", "integrity check: row 2 missing from index tradeins_reference"},
		{"a byte of a row", func(t *testing.T, path string) { flip(t, path, "tradeins") },
			"", "integrity check: row 2 missing from index tradeins_reference"},
		// Open's own bounded check reads a small file whole.
		{"an index page zeroed", func(t *testing.T, path string) {
			_, off := page(t, path, "tradeins_reference")
			overwrite(t, path, off, make([]byte, pageSize))
		}, "is damaged: SQLite's quick check found: tradeins", ""},
		{"the file cut short", func(t *testing.T, path string) {
			_, off := page(t, path, "tradeins")
			require.NoError(t, os.Truncate(path, off))
		}, "database disk image is malformed", ""},
		{"the header overwritten", func(t *testing.T, path string) {
			overwrite(t, path, 0, []byte("this is not an SQLite file"))
		}, "not a usable SQLite database", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := storeFile(t)
			tt.damage(t, path)
			s, err := Open(ctx, path)
			if tt.openErr != "" {
				require.ErrorContains(t, err, tt.openErr)
				return
			}
			require.NoError(t, err)
			defer s.Close()
			err = s.IntegrityCheck(ctx)
			require.Error(t, err, "the damage is found")
			assert.Contains(t, err.Error(), tt.check)
		})
	}
}
