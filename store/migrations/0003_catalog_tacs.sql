-- The type allocation codes (first 8 digits of an IMEI) the hub's catalog
-- lists for each variant's model: the TAC -> make and model index a scan's
-- IMEI is looked up in, to tell a device that is not its trade-in's model.
-- Keyed by variant, so that a variant's update or delete keeps it true; the
-- make and model are the catalog row's.
CREATE TABLE catalog_tacs (
    tac TEXT NOT NULL CHECK (length(tac) = 8 AND tac NOT GLOB '*[^0-9]*'),
    sku TEXT NOT NULL REFERENCES catalog(sku) ON DELETE CASCADE,
    PRIMARY KEY (tac, sku)
) WITHOUT ROWID;
CREATE INDEX catalog_tacs_sku ON catalog_tacs(sku);

-- Variants cached before this migration hold no TACs: their docs never
-- carried any. The index fills as the hub sends variants again.
