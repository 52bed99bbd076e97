-- The heads of benches' audit logs, as each push carried them: the last
-- entry's seq and hash (an HMAC under the bench's own key, which the hub
-- does not hold). A bench's log only grows, so a head that goes back, or
-- the same seq with another hash, means its history was rewritten (or its
-- database replaced): the head is kept with why, for a supervisor, and the
-- push goes on, its events being valid whatever the log says. Heads are
-- kept per bench name, across enrollments: enrolling again does not start
-- a new history.
CREATE TABLE audit_heads (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    bench       TEXT NOT NULL,
    token_id    INTEGER NOT NULL REFERENCES bench_tokens(id),
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- Why this head does not extend the one before it; '' when it does.
    rewrite     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_heads_bench ON audit_heads (bench, id);
