-- The unit labels this bench printed. A label's id (intake.UnitIDFor of its
-- receipt's or its quarantine's event key) finds the unit again when the
-- label is scanned. doc is the label as last printed (label.Unit as JSON):
-- for a quarantined device, which has no unit, it is the only record.
CREATE TABLE unit_labels (
    unit_id     TEXT PRIMARY KEY,
    event_key   TEXT NOT NULL UNIQUE,
    tradein_id  TEXT REFERENCES units(tradein_id),
    doc         TEXT NOT NULL,
    labelled_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX unit_labels_tradein ON unit_labels(tradein_id) WHERE tradein_id IS NOT NULL;

-- Labels and receipts to print, kept from the moment they are asked for
-- until a printer took them: a printer that is off, out of paper or
-- unplugged loses nothing, and the job is retried at next_at. A job names
-- no printer: it goes to whichever the settings name when it is sent, so
-- fixing the setting prints what waited.
CREATE TABLE print_jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('label', 'receipt')),
    subject    TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    printed_at TEXT
);
CREATE INDEX print_jobs_due ON print_jobs(next_at) WHERE printed_at IS NULL;

-- Settings the headless commands need as much as the app: the printers,
-- the label stock, the business on a customer's receipt.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
