-- A unit label names its unit by the receipt's event key
-- (intake.UnitIDFor), and the hub's feed carries every receipt of the
-- site with its key: so a bench finds the trade-in of a label another
-- bench printed, by this column. SQLite cannot hash, so the store fills
-- it in Go: at every write of a trade-in, and once for the trade-ins
-- cached before this migration (the meta row below asks for that; see
-- backfillUnitLabels).
ALTER TABLE tradeins ADD COLUMN unit_label TEXT;
CREATE INDEX tradeins_unit_label ON tradeins(unit_label) WHERE unit_label IS NOT NULL;
INSERT INTO meta (key, value) VALUES ('backfill unit labels', '');
