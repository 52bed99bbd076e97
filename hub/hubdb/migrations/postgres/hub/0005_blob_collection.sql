-- Collecting unreferenced blobs. Deleting a blob makes SQLite look for
-- photos that reference it, a full scan of photos per blob without
-- photos_by_blob. blobs_by_age answers "old and which content" from the
-- index alone: the rows hold the content before created_at, and reading
-- past it walks every overflow page of the blob.
CREATE INDEX photos_by_blob ON photos (sha256);
CREATE INDEX blobs_by_age ON blobs (created_at, sha256);
