-- A device linked to its trade-in by hand, because its scan matched none:
-- the intake.HandLink (what was scanned, why) as JSON. NULL for a device
-- received by its scan.
ALTER TABLE units ADD COLUMN link TEXT;

-- A device linked by hand is known by no trade-in's identifiers, only by the
-- identity it was received under: scanned again, it is found here.
CREATE INDEX units_imei ON units(imei);

-- Shift stats read the units received since a time.
CREATE INDEX units_received_at ON units(received_at);
