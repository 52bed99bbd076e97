-- The review queue and the quarantine shelf travel on the change log, to
-- every supervisor bench of a site. A device waiting for a supervisor has
-- its review here, a wire.Review made from its trade-in, reroute, latest
-- grading, photo requests and photos whenever a write touches them (see
-- hubdb/reviews.go), logged as entity 'review' under its trade-in's id and
-- removed, with a tombstone, when it waits no more. A quarantine is logged
-- as entity 'quarantine' under its event key, its doc the one quarantines
-- keeps.
--
-- The reviews of the devices waiting now, and the log entries of the
-- quarantines recorded before, are made in Go once (the meta row asks for
-- that: see Tx.BackfillReviews): SQL cannot make a review.
CREATE TABLE review_docs (
    tradein_id TEXT PRIMARY KEY,
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('backfill reviews', '');
