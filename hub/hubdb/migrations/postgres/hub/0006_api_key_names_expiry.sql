-- API keys get a name for people (who or what holds the key), the first
-- characters of the key (so a listing tells keys apart without showing
-- any that still works: 48 of its 256 random bits) and an optional expiry,
-- after which the key is refused like a revoked one. Keys made before keep
-- an empty name and prefix, and no expiry; list and revoke them by id.
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
