-- Webhooks: endpoints, the events they are sent, one delivery per event
-- and endpoint, and every attempt of a delivery.
CREATE TABLE webhook_endpoints (
	id          TEXT PRIMARY KEY,
	url         TEXT NOT NULL,
	secret      TEXT NOT NULL,
	events      TEXT NOT NULL,          -- JSON array; [] means every event
	created_at  INTEGER NOT NULL,       -- unix ms
	deleted_at  INTEGER                 -- soft delete keeps the delivery log
);
CREATE TABLE webhook_events (
	id          TEXT PRIMARY KEY,
	type        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	body        BLOB NOT NULL           -- the exact bytes every endpoint receives
);
CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id        TEXT NOT NULL REFERENCES webhook_events(id),
	endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id),
	state           TEXT NOT NULL CHECK (state IN ('pending','delivered','dead','cancelled')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	finished_at     INTEGER,
	UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
CREATE TABLE webhook_attempts (
	delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries(id),
	number        INTEGER NOT NULL,
	started_at    INTEGER NOT NULL,
	duration_ms   INTEGER NOT NULL,
	status_code   INTEGER NOT NULL,
	error         TEXT NOT NULL,
	retry_at      INTEGER,              -- when the next attempt is due; NULL if none
	PRIMARY KEY (delivery_id, number)
);
