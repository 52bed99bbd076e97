-- A receipt of a device linked to its trade-in by hand, because its scan
-- matched none: the intake.HandLink (what was scanned, why) as JSON. NULL
-- for a device received by its scan.
ALTER TABLE receipts ADD COLUMN link TEXT;

-- A device is received for one trade-in in progress at a time: a device
-- linked by hand is found by the identity it was received under.
CREATE INDEX receipts_imei ON receipts(imei);

-- Devices no trade-in holds, set aside at a bench for a supervisor. device
-- is the first identifier the hub read from the scan, identifiers all of
-- them (JSON), doc the bench's intake.QuarantinedDevice.
CREATE TABLE quarantines (
    event_key   TEXT PRIMARY KEY,
    bench       TEXT NOT NULL,
    operator    TEXT NOT NULL,
    at          TEXT NOT NULL,
    device      TEXT NOT NULL,
    identifiers TEXT NOT NULL,
    scan        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    doc         TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX quarantines_device ON quarantines(device);
