-- Search of the trade-ins cache by any part of a customer's name, a
-- reference or a tracking number ("lovel" finds Ada Lovelace, "7394" a
-- tracking number ending in it), for a device whose scan matched nothing.
-- A LIKE '%term%' reads every cached trade-in (0.8 s for a million); a
-- trigram full-text index answers in milliseconds. It is an external
-- content table over tradeins (the text is not stored twice) kept by the
-- triggers below, so no writer of tradeins needs to know of it.
--
-- The triggers are not indexes of tradeins: the initial pull, which drops
-- and rebuilds those (store/cacheindexes.go), leaves them in place, and
-- the index stays right through it.
CREATE VIRTUAL TABLE IF NOT EXISTS tradein_search USING fts5(
    reference, tracking, customer,
    content = 'tradeins', content_rowid = 'rowid',
    tokenize = 'trigram remove_diacritics 1'
);
INSERT INTO tradein_search (tradein_search) VALUES ('rebuild');

CREATE TRIGGER IF NOT EXISTS tradein_search_insert AFTER INSERT ON tradeins BEGIN
    INSERT INTO tradein_search (rowid, reference, tracking, customer)
    VALUES (new.rowid, new.reference, new.tracking, new.customer);
END;

CREATE TRIGGER IF NOT EXISTS tradein_search_delete AFTER DELETE ON tradeins BEGIN
    INSERT INTO tradein_search (tradein_search, rowid, reference, tracking, customer)
    VALUES ('delete', old.rowid, old.reference, old.tracking, old.customer);
END;

-- A pull rewrites every column of a trade-in it brings; the index changes
-- only when a searched one did.
CREATE TRIGGER IF NOT EXISTS tradein_search_update AFTER UPDATE OF reference, tracking, customer ON tradeins
WHEN old.reference IS NOT new.reference OR old.tracking IS NOT new.tracking OR old.customer IS NOT new.customer
BEGIN
    INSERT INTO tradein_search (tradein_search, rowid, reference, tracking, customer)
    VALUES ('delete', old.rowid, old.reference, old.tracking, old.customer);
    INSERT INTO tradein_search (rowid, reference, tracking, customer)
    VALUES (new.rowid, new.reference, new.tracking, new.customer);
END;
