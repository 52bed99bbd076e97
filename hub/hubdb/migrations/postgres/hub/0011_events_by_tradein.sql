-- A trade-in's events in the hub's order: the review queue asks, for each
-- device in it, whether its last grading or decision asked for photos.
CREATE INDEX events_tradein ON events(tradein_id);
