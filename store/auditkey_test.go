package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// The vectors were computed apart from this code:
//
//	K=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
//	printf '%s' e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
//	printf '%s' 'intakebench audit key, sealing from entry 1' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
func TestAuditSealIsHMACSHA256OfTheHash(t *testing.T) {
	key, err := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	require.NoError(t, err)
	k := auditKey{key: key, from: 1}
	assert.Equal(t, "1d599a6a088a2ac210a6cdab512575e435c8759afb2ad37dd34c08af174d07c0",
		k.seal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
	assert.Equal(t, "7ccdb5baf0bbb20a94d810d0d455b3267adfc0489b8cb1aec5fa74826f21184c", k.tag())
}

// storeWithReceipts opens a store holding three received trade-ins, whose
// audit log has three entries.
func storeWithReceipts(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(context.Background(), path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.ApplyChanges(context.Background(), Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809"),
		sampleTradeIn("2", "490154203237518"), sampleTradeIn("3", "352099001761481")}}, "c1"))
	for _, id := range []string{"1", "2", "3"} {
		receive(t, s, id, "k"+id)
	}
	return s, path
}

// rawDB is the file as someone with a SQLite shell sees it: no triggers
// stop them once they drop them.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { raw.Close() })
	return raw
}

// rewriteAudit changes the operator of entry seq and recomputes every hash
// of the chain from there with SHA-256, as the log was chained before it
// had a key: the rewrite that passed verification then.
func rewriteAudit(t *testing.T, raw *sql.DB, seq int64) {
	t.Helper()
	ctx := context.Background()
	_, err := raw.ExecContext(ctx, `DROP TRIGGER IF EXISTS audit_no_update`)
	require.NoError(t, err)
	rows, err := raw.QueryContext(ctx, `SELECT seq, at, operator, bench, action, subject, reason, detail, prev_hash, hash FROM audit WHERE seq >= ? ORDER BY seq`, seq)
	require.NoError(t, err)
	var entries []AuditEntry
	for rows.Next() {
		var e AuditEntry
		require.NoError(t, rows.Scan(&e.Seq, &e.At, &e.Operator, &e.Bench, &e.Action, &e.Subject, &e.Reason, &e.Detail, &e.PrevHash, &e.Hash))
		entries = append(entries, e)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	entries[0].Operator = "mallory"
	for i := range entries {
		if i > 0 {
			entries[i].PrevHash = entries[i-1].Hash
		}
		entries[i].Hash = entryHash(entries[i])
		_, err := raw.ExecContext(ctx, `UPDATE audit SET operator = ?, prev_hash = ?, hash = ? WHERE seq = ?`,
			entries[i].Operator, entries[i].PrevHash, entries[i].Hash, entries[i].Seq)
		require.NoError(t, err)
	}
}

func TestARecomputedChainFailsOnItsSeal(t *testing.T) {
	ctx := context.Background()
	s, path := storeWithReceipts(t)
	before, err := s.AuditHead(ctx)
	require.NoError(t, err)
	rewriteAudit(t, rawDB(t, path), 2)

	_, err = s.VerifyAudit(ctx)
	var ce *ChainError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(2), ce.Seq)
	assert.Contains(t, ce.Reason, "seal does not match")
	after, err := s.AuditHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the head is the seal, which the rewrite could not remake")
}

func TestAWrongKeyFailsVerification(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, s *Store, path string)
		seq    int64
	}{
		{"another key", func(t *testing.T, s *Store, _ string) {
			s.audit.key = bytes.Repeat([]byte{7}, auditKeySize)
		}, 1},
		{"keyed_from moved past the entries", func(t *testing.T, _ *Store, path string) {
			// Someone who rewrote entries leaves them outside the keyed part:
			// the key's tag of keyed_from no longer matches.
			raw := rawDB(t, path)
			_, err := raw.Exec(`DROP TRIGGER audit_key_set_once`)
			require.NoError(t, err)
			_, err = raw.Exec(`UPDATE audit_key SET keyed_from = 4`)
			require.NoError(t, err)
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := storeWithReceipts(t)
			tt.change(t, s, path)
			_, err := s.VerifyAudit(context.Background())
			var ce *ChainError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.seq, ce.Seq)
		})
	}
}

func TestOpenRefusesAKeyThatIsNotTheLogs(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, path string)
		want   string
	}{
		{"the key file is gone", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path+".key"))
		}, "the file is missing"},
		{"another bench's key", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path+".key", []byte(hex.EncodeToString(bytes.Repeat([]byte{7}, 32))+"\n"), 0o600))
		}, "not the key"},
		{"not a key", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path+".key", []byte("hello\n"), 0o600))
		}, "does not hold a key"},
		{"keyed_from moved", func(t *testing.T, path string) {
			raw := rawDB(t, path)
			_, err := raw.Exec(`DROP TRIGGER audit_key_set_once`)
			require.NoError(t, err)
			_, err = raw.Exec(`UPDATE audit_key SET keyed_from = 4`)
			require.NoError(t, err)
		}, "not the key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := storeWithReceipts(t)
			require.NoError(t, s.Close())
			tt.change(t, path)
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
			}
			require.ErrorIs(t, err, ErrDamaged)
			var ke *AuditKeyError
			require.ErrorAs(t, err, &ke)
			assert.Equal(t, path+".key", ke.File)
			assert.Contains(t, ke.Reason, tt.want)
		})
	}
}

func TestTheKeyFileIsMadeOnceAndKeptPrivate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	b, err := os.ReadFile(path + ".key")
	require.NoError(t, err)
	assert.Len(t, b, 65, "64 hex digits and a newline")
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path + ".key")
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		require.NoError(t, os.Chmod(path+".key", 0o644))
		_, err = Open(ctx, path)
		assert.ErrorContains(t, err, "open to other users")
		assert.NotErrorIs(t, err, ErrDamaged, "a key others can read is to be made private, not a damaged bench")
		require.NoError(t, os.Chmod(path+".key", 0o600))
	}
	s, err = Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	again, err := os.ReadFile(path + ".key")
	require.NoError(t, err)
	assert.Equal(t, b, again, "opening again keeps the key")
}

// A log written before it had a key keeps verifying on its plain hashes;
// what is appended after the upgrade is sealed, and a rewrite of the old
// part shows at the first sealed entry, whose hash covers it.
func TestAnUnkeyedLogKeepsVerifying(t *testing.T) {
	ctx := context.Background()
	s, path := storeWithReceipts(t)
	require.NoError(t, s.Close())
	// Back to the schema before migration 0006, with no key: the log of a
	// bench that ran the last version.
	raw := rawDB(t, path)
	// Migrations after 0006 go too, to be applied again after it.
	for _, q := range []string{`DROP TABLE audit_seal`, `DROP TABLE audit_key`,
		`DROP TABLE unit_labels`, `DROP TABLE print_jobs`, `DROP TABLE settings`,
		`DROP INDEX tradeins_unit_label`, `ALTER TABLE tradeins DROP COLUMN unit_label`,
		`DELETE FROM schema_migrations WHERE component = 'store' AND version >= 6`} {
		_, err := raw.Exec(q)
		require.NoError(t, err)
	}
	require.NoError(t, os.Remove(path+".key"))

	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, int64(4), s.audit.from, "keyed from the next entry")
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("4", "356938035643809")}}, "c2"))
	receive(t, s, "4", "k4")
	sum, err := s.VerifyAuditSummary(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(4), sum.Entries)
	assert.Equal(t, int64(4), sum.KeyedFrom)
	var seals int
	require.NoError(t, s.read.QueryRow(`SELECT count(*) FROM audit_seal`).Scan(&seals))
	assert.Equal(t, 1, seals, "the entries from before keep their plain hashes")

	rewriteAudit(t, raw, 2)
	_, err = s.VerifyAudit(ctx)
	var ce *ChainError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(4), ce.Seq)
}

func TestAuditHead(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	head, err := s.AuditHead(ctx)
	require.NoError(t, err)
	assert.Zero(t, head, "an empty log has no head")

	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	receive(t, s, "1", "k1")
	head, err = s.AuditHead(ctx)
	require.NoError(t, err)
	var hash, mac string
	require.NoError(t, s.read.QueryRow(`SELECT a.hash, s.mac FROM audit a JOIN audit_seal s USING (seq) WHERE seq = 1`).Scan(&hash, &mac))
	assert.Equal(t, AuditHead{Seq: 1, Hash: mac}, head)
	assert.Equal(t, s.audit.seal(hash), mac)
	sum, err := s.VerifyAuditSummary(ctx)
	require.NoError(t, err)
	assert.Equal(t, head, sum.Head)
}
