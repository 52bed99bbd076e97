package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// genesisHash is the previous hash of the first audit entry.
var genesisHash = strings.Repeat("0", 64)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	Seq      int64
	At       string
	Operator string
	Bench    string
	Action   string
	Subject  string
	Reason   string
	Detail   string
	PrevHash string
	Hash     string
}

// entryHash chains an entry to the one before it. The fields are encoded as
// a JSON array so that no two different entries share an encoding.
func entryHash(e AuditEntry) string {
	b, _ := json.Marshal([]any{e.Seq, e.At, e.Operator, e.Bench, e.Action, e.Subject, e.Reason, e.Detail, e.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func appendAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e.Seq, e.PrevHash = 0, genesisHash
	case err != nil:
		return fmt.Errorf("read audit head: %w", err)
	}
	e.Seq++
	e.Hash = entryHash(e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (seq, at, operator, bench, action, subject, reason, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At, e.Operator, e.Bench, e.Action, e.Subject, e.Reason, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// auditKey seals the audit log: from seq from on, every entry carries
// HMAC-SHA256 of its hash under key (migration 0006 says why).
type auditKey struct {
	key  []byte
	from int64
	file string
}

// auditKeySize is the size of a key in bytes: HMAC-SHA256's block is
// longer, its output as long.
const auditKeySize = 32

// mac is the key's HMAC-SHA256 of msg, in hex.
func (k auditKey) mac(msg string) string {
	h := hmac.New(sha256.New, k.key)
	h.Write([]byte(msg))
	return hex.EncodeToString(h.Sum(nil))
}

// seal is an entry's seal: the key's MAC of the entry's hash, which
// already covers every entry before it.
func (k auditKey) seal(hash string) string { return k.mac(hash) }

// tag binds the key to the seq it seals from, so that neither another key
// nor a moved keyed_from passes for this database's.
func (k auditKey) tag() string {
	return k.mac("intakebench audit key, sealing from entry " + strconv.FormatInt(k.from, 10))
}

// sealAudit seals the entries a transaction appended. Store.inTx calls it
// before every commit, so an entry never commits without its seal.
func (s *Store) sealAudit(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT seq, hash FROM audit
		WHERE seq > (SELECT COALESCE(max(seq), 0) FROM audit_seal) AND seq >= ? ORDER BY seq`, s.audit.from)
	if err != nil {
		return fmt.Errorf("read unsealed audit entries: %w", err)
	}
	type entry struct {
		seq  int64
		hash string
	}
	var unsealed []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.seq, &e.hash); err != nil {
			rows.Close()
			return fmt.Errorf("read unsealed audit entries: %w", err)
		}
		unsealed = append(unsealed, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read unsealed audit entries: %w", err)
	}
	for _, e := range unsealed {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_seal (seq, mac) VALUES (?, ?)`, e.seq, s.audit.seal(e.hash)); err != nil {
			return fmt.Errorf("seal audit entry %d: %w", e.seq, err)
		}
	}
	return nil
}

// AuditKeyError is an audit key that does not fit its database: missing,
// unreadable, or another database's. Open reports it as damage.
type AuditKeyError struct {
	File   string
	Reason string
}

func (e *AuditKeyError) Error() string {
	return fmt.Sprintf("audit key %s: %s", e.File, e.Reason)
}

// loadAuditKey reads the key file of the audit log, making it on the first
// open of a database that has none yet. A database whose key is recorded
// never gets a new one: its seals could not be verified any more.
func (s *Store) loadAuditKey(ctx context.Context, file string) error {
	k := auditKey{file: file}
	var tag string
	err := s.read.QueryRowContext(ctx, `SELECT keyed_from, key_tag FROM audit_key WHERE id = 1`).Scan(&k.from, &tag)
	if errors.Is(err, sql.ErrNoRows) {
		return &AuditKeyError{File: file, Reason: "the database has no record of its audit key (audit_key is empty)"}
	}
	if err != nil {
		return fmt.Errorf("read the audit key record: %w", err)
	}
	if tag != "" {
		if k.key, err = readAuditKey(file); errors.Is(err, fs.ErrNotExist) {
			return &AuditKeyError{File: file, Reason: "the file is missing, but the database's audit log was sealed with it"}
		} else if err != nil {
			return err
		}
		if !hmac.Equal([]byte(k.tag()), []byte(tag)) {
			return &AuditKeyError{File: file, Reason: "this is not the key the database's audit log was sealed with"}
		}
		s.audit = k
		return nil
	}
	if k.key, err = makeAuditKey(file); err != nil {
		return err
	}
	// Another process opening the same new database may record its tag
	// first: it read or made the same file, so the tags agree.
	// Not s.inTx: nothing may be sealed before the key is set.
	err = sqlitedb.InTx(ctx, s.write, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE audit_key SET key_tag = ? WHERE id = 1 AND key_tag = ''`, k.tag())
		return err
	})
	if err != nil {
		return fmt.Errorf("record the audit key: %w", err)
	}
	if err := s.read.QueryRowContext(ctx, `SELECT key_tag FROM audit_key WHERE id = 1`).Scan(&tag); err != nil {
		return fmt.Errorf("read the audit key record: %w", err)
	}
	if !hmac.Equal([]byte(k.tag()), []byte(tag)) {
		return &AuditKeyError{File: file, Reason: "this is not the key the database's audit log was sealed with"}
	}
	s.audit = k
	return nil
}

// readAuditKey reads a key file: 64 hex digits. A key others can read is
// refused, as the hub token is: a seal anyone could make proves nothing.
func readAuditKey(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(file)
		if err != nil {
			return nil, err
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("audit key %s is open to other users (mode %04o): run chmod 600 on it", file, perm)
		}
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != auditKeySize {
		return nil, &AuditKeyError{File: file, Reason: fmt.Sprintf("the file does not hold a key (want %d hex digits)", 2*auditKeySize)}
	}
	return key, nil
}

// makeAuditKey returns the key in file, making the file if there is none.
// The key is written to a temporary file, flushed and then linked into
// place, so file is never seen half written, and of two processes making
// it at once one wins and the other reads the winner's.
func makeAuditKey(file string) ([]byte, error) {
	key, err := readAuditKey(file)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, auditKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	dir := filepath.Dir(file)
	f, err := os.CreateTemp(dir, ".audit-key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("make audit key %s: %w", file, err)
	}
	defer os.Remove(f.Name())
	err = errors.Join(f.Chmod(0o600), writeAll(f, []byte(hex.EncodeToString(key)+"\n")), f.Sync(), f.Close())
	if err == nil {
		err = os.Link(f.Name(), file)
	}
	if errors.Is(err, fs.ErrExist) {
		return readAuditKey(file)
	}
	if err != nil {
		return nil, fmt.Errorf("make audit key %s: %w", file, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("make audit key %s: %w", file, err)
	}
	return key, nil
}

func writeAll(f *os.File, b []byte) error {
	_, err := f.Write(b)
	return err
}

// syncDir makes a new name in dir durable: the key must be on disk before
// the database records that it exists.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // NTFS journals names; a directory cannot be opened to sync
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// AuditKeyFile is where the key sealing the audit log is kept.
func (s *Store) AuditKeyFile() string { return s.audit.file }

// AuditHead is the last entry of the audit log: its seq and its seal (its
// plain hash if it was written before the log was keyed). It stands for
// the whole log before it, which is what the hub keeps of it.
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditHead returns the last entry of the audit log; zero when it is empty.
func (s *Store) AuditHead(ctx context.Context) (AuditHead, error) {
	var h AuditHead
	var mac sql.NullString
	err := s.read.QueryRowContext(ctx, `SELECT a.seq, a.hash, s.mac FROM audit a LEFT JOIN audit_seal s ON s.seq = a.seq
		ORDER BY a.seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash, &mac)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditHead{}, nil
	}
	if err != nil {
		return AuditHead{}, fmt.Errorf("read the audit head: %w", err)
	}
	if h.Seq >= s.audit.from {
		if !mac.Valid {
			return AuditHead{}, &ChainError{Seq: h.Seq, Reason: "entry not sealed"}
		}
		h.Hash = mac.String
	}
	return h, nil
}

// ChainError is an audit log whose chain is broken at Seq.
type ChainError struct {
	Seq    int64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// AuditSummary is what VerifyAudit checked.
type AuditSummary struct {
	Entries   int64 // entries verified
	KeyedFrom int64 // the first entry sealed with the key
	Head      AuditHead
}

// VerifyAudit walks the whole audit log and checks every link of the chain
// and, from the entry the log was keyed from, every seal. It returns the
// number of entries verified, or a *ChainError.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	sum, err := s.VerifyAuditSummary(ctx)
	return sum.Entries, err
}

// VerifyAuditSummary is VerifyAudit saying what it verified.
func (s *Store) VerifyAuditSummary(ctx context.Context) (AuditSummary, error) {
	sum := AuditSummary{KeyedFrom: s.audit.from}
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return sum, fmt.Errorf("read audit log: %w", err)
	}
	defer tx.Rollback()
	// The record of the key is checked first: with keyed_from moved, the
	// entries it no longer covers would pass on their plain hashes.
	var from int64
	var tag string
	if err := tx.QueryRowContext(ctx, `SELECT keyed_from, key_tag FROM audit_key WHERE id = 1`).Scan(&from, &tag); err != nil {
		return sum, fmt.Errorf("read the audit key record: %w", err)
	}
	if k := (auditKey{key: s.audit.key, from: from}); from != s.audit.from || !hmac.Equal([]byte(k.tag()), []byte(tag)) {
		return sum, &ChainError{Seq: min(from, s.audit.from), Reason: "the log's key record does not match the audit key: another key, or the record was altered"}
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.seq, a.at, a.operator, a.bench, a.action, a.subject, a.reason, a.detail, a.prev_hash, a.hash, s.mac
		FROM audit a LEFT JOIN audit_seal s ON s.seq = a.seq ORDER BY a.seq`)
	if err != nil {
		return sum, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	prev, want := genesisHash, int64(1)
	for rows.Next() {
		var e AuditEntry
		var mac sql.NullString
		if err := rows.Scan(&e.Seq, &e.At, &e.Operator, &e.Bench, &e.Action, &e.Subject, &e.Reason, &e.Detail, &e.PrevHash, &e.Hash, &mac); err != nil {
			return sum, err
		}
		keyed := e.Seq >= s.audit.from
		switch {
		case e.Seq != want:
			return sum, &ChainError{Seq: want, Reason: fmt.Sprintf("entry missing (next is %d)", e.Seq)}
		case e.PrevHash != prev:
			return sum, &ChainError{Seq: e.Seq, Reason: "previous hash does not match"}
		case entryHash(e) != e.Hash:
			return sum, &ChainError{Seq: e.Seq, Reason: "entry altered: hash does not match its content"}
		case keyed && !mac.Valid:
			return sum, &ChainError{Seq: e.Seq, Reason: "entry not sealed"}
		case keyed && !hmac.Equal([]byte(s.audit.seal(e.Hash)), []byte(mac.String)):
			return sum, &ChainError{Seq: e.Seq, Reason: "entry altered: its seal does not match (rewritten, or sealed with another key)"}
		}
		sum.Head = AuditHead{Seq: e.Seq, Hash: e.Hash}
		if keyed {
			sum.Head.Hash = mac.String
		}
		prev, want, sum.Entries = e.Hash, want+1, sum.Entries+1
	}
	return sum, rows.Err()
}
