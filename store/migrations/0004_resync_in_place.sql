-- A full resync (the hub's answer to an expired cursor) refills the cache in
-- place instead of emptying it first: every pulled row carries the pull
-- generation that last wrote it, a resync starts a new generation, and once
-- the resync has read the whole change log the rows it did not write again
-- are removed. Until then the bench keeps matching on what it had, also if
-- the hub goes away halfway for days.
ALTER TABLE tradeins   ADD COLUMN pull_gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imei_flags ADD COLUMN pull_gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operators  ADD COLUMN pull_gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE catalog    ADD COLUMN pull_gen INTEGER NOT NULL DEFAULT 0;

ALTER TABLE sync_state ADD COLUMN pull_gen  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN resyncing INTEGER NOT NULL DEFAULT 0 CHECK (resyncing IN (0, 1));
