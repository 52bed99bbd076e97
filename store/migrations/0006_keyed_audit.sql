-- The audit log is sealed with a key from here on. Its SHA-256 chain shows
-- an entry altered on its own, but whoever has the file can rewrite an entry
-- and recompute every hash after it. From keyed_from on, each entry also
-- gets a seal, HMAC-SHA256 of its hash under the bench's audit key: 32
-- random bytes in a file beside the database (bench.db.key), never in it,
-- so the seal cannot be remade from the database alone. Entries written
-- before this migration keep their plain hashes, and still verify.

-- key_tag is the key's HMAC of keyed_from, written on the first open after
-- this migration. It tells this database's key from another one, and a
-- keyed_from moved to leave rewritten entries unsealed from the real one.
CREATE TABLE audit_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    keyed_from INTEGER NOT NULL,
    key_tag    TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_key (id, keyed_from) SELECT 1, COALESCE(max(seq), 0) + 1 FROM audit;
CREATE TRIGGER audit_key_set_once BEFORE UPDATE ON audit_key
WHEN OLD.key_tag != '' OR NEW.keyed_from != OLD.keyed_from OR NEW.id != OLD.id
BEGIN SELECT RAISE(ABORT, 'the audit key is set once'); END;
CREATE TRIGGER audit_key_no_delete BEFORE DELETE ON audit_key
BEGIN SELECT RAISE(ABORT, 'the audit key is set once'); END;

-- One seal per entry from keyed_from on, written in the entry's transaction.
CREATE TABLE audit_seal (
    seq INTEGER PRIMARY KEY REFERENCES audit(seq),
    mac TEXT NOT NULL
);
CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_seal
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_seal_no_delete BEFORE DELETE ON audit_seal
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
