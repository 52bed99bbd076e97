-- A card payout the processor refused is a step of its ledger ('fail',
-- intake.PayoutFail): it waits for staff instead of being tried again
-- forever. SQLite cannot change a CHECK constraint, so the ledger is made
-- again with the new list of kinds, every entry copied as it was (ids
-- too), with its indexes and its append-only triggers.
CREATE TABLE payout_entries_0013 (
    id          INTEGER PRIMARY KEY,
    tradein_id  TEXT NOT NULL REFERENCES tradeins(id),
    kind        TEXT NOT NULL CHECK (kind IN ('obligation', 'hold', 'release', 'settle', 'fail', 'void')),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    method      TEXT NOT NULL,
    destination TEXT NOT NULL DEFAULT '',
    reference   TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
INSERT INTO payout_entries_0013 (id, tradein_id, kind, amount, method, destination, reference, actor, note, at)
    SELECT id, tradein_id, kind, amount, method, destination, reference, actor, note, at FROM payout_entries;
DROP TABLE payout_entries;
ALTER TABLE payout_entries_0013 RENAME TO payout_entries;
CREATE INDEX payout_entries_tradein ON payout_entries(tradein_id, id);
CREATE INDEX payout_entries_at ON payout_entries(at);
CREATE TRIGGER payout_entries_no_update BEFORE UPDATE ON payout_entries
BEGIN SELECT RAISE(ABORT, 'the payout ledger is append-only'); END;
CREATE TRIGGER payout_entries_no_delete BEFORE DELETE ON payout_entries
BEGIN SELECT RAISE(ABORT, 'the payout ledger is append-only'); END;
