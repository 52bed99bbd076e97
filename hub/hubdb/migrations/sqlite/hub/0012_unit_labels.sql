-- The id a bench printed on a received device's unit label
-- (intake.UnitIDFor of the receipt's event key), kept with the receipt:
-- a label scanned or typed anywhere finds its trade-in and unit, and
-- exports name units as their labels do. The hub fills it in Go for the
-- receipts from before this migration (the meta row asks for that: see
-- Tx.BackfillUnitLabels), since SQL cannot make the id.
ALTER TABLE receipts ADD COLUMN label_id TEXT;
CREATE UNIQUE INDEX receipts_label_id ON receipts(label_id) WHERE label_id IS NOT NULL;
INSERT INTO meta (key, value) VALUES ('backfill unit labels', '');
