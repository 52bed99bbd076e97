-- Photos benches took of received devices: the content is in blobs, each
-- row says which trade-in and side it shows, who took it where and when.
CREATE TABLE photos (
    event_key  TEXT PRIMARY KEY,
    tradein_id TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES blobs(sha256),
    angle      TEXT NOT NULL,
    mime       TEXT NOT NULL,
    bench      TEXT NOT NULL,
    operator   TEXT NOT NULL,
    taken_at   TEXT NOT NULL
);

CREATE INDEX photos_by_tradein ON photos (tradein_id, taken_at);
