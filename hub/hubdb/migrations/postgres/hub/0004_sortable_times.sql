-- Times were stored as RFC 3339 with trimmed fractions, which do not sort
-- as text: "12:00:00Z" sorts after "12:00:00.5Z", so a compaction cutoff
-- or an ORDER BY on them could be wrong within a second. From now on every
-- time is fixed-width UTC with nine fractional digits (package dbtime);
-- this rewrites the stored ones. Every stored time was written in UTC, so
-- it ends in Z.

UPDATE variants SET
    updated_at = CASE
        WHEN updated_at IS NULL OR length(updated_at) = 30 THEN updated_at
        WHEN length(updated_at) = 20 THEN substr(updated_at, 1, 19) || '.000000000Z'
        ELSE substr(updated_at, 1, 20) || substr(substr(updated_at, 21, length(updated_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE tradeins SET
    updated_at = CASE
        WHEN updated_at IS NULL OR length(updated_at) = 30 THEN updated_at
        WHEN length(updated_at) = 20 THEN substr(updated_at, 1, 19) || '.000000000Z'
        ELSE substr(updated_at, 1, 20) || substr(substr(updated_at, 21, length(updated_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE receipts SET
    at = CASE
        WHEN at IS NULL OR length(at) = 30 THEN at
        WHEN length(at) = 20 THEN substr(at, 1, 19) || '.000000000Z'
        ELSE substr(at, 1, 20) || substr(substr(at, 21, length(at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE enrollments SET
    created_at = CASE
        WHEN created_at IS NULL OR length(created_at) = 30 THEN created_at
        WHEN length(created_at) = 20 THEN substr(created_at, 1, 19) || '.000000000Z'
        ELSE substr(created_at, 1, 20) || substr(substr(created_at, 21, length(created_at) - 21) || '000000000', 1, 9) || 'Z'
    END,
    expires_at = CASE
        WHEN expires_at IS NULL OR length(expires_at) = 30 THEN expires_at
        WHEN length(expires_at) = 20 THEN substr(expires_at, 1, 19) || '.000000000Z'
        ELSE substr(expires_at, 1, 20) || substr(substr(expires_at, 21, length(expires_at) - 21) || '000000000', 1, 9) || 'Z'
    END,
    used_at = CASE
        WHEN used_at IS NULL OR length(used_at) = 30 THEN used_at
        WHEN length(used_at) = 20 THEN substr(used_at, 1, 19) || '.000000000Z'
        ELSE substr(used_at, 1, 20) || substr(substr(used_at, 21, length(used_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE bench_tokens SET
    created_at = CASE
        WHEN created_at IS NULL OR length(created_at) = 30 THEN created_at
        WHEN length(created_at) = 20 THEN substr(created_at, 1, 19) || '.000000000Z'
        ELSE substr(created_at, 1, 20) || substr(substr(created_at, 21, length(created_at) - 21) || '000000000', 1, 9) || 'Z'
    END,
    revoked_at = CASE
        WHEN revoked_at IS NULL OR length(revoked_at) = 30 THEN revoked_at
        WHEN length(revoked_at) = 20 THEN substr(revoked_at, 1, 19) || '.000000000Z'
        ELSE substr(revoked_at, 1, 20) || substr(substr(revoked_at, 21, length(revoked_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE events SET
    at = CASE
        WHEN at IS NULL OR length(at) = 30 THEN at
        WHEN length(at) = 20 THEN substr(at, 1, 19) || '.000000000Z'
        ELSE substr(at, 1, 20) || substr(substr(at, 21, length(at) - 21) || '000000000', 1, 9) || 'Z'
    END,
    received_at = CASE
        WHEN received_at IS NULL OR length(received_at) = 30 THEN received_at
        WHEN length(received_at) = 20 THEN substr(received_at, 1, 19) || '.000000000Z'
        ELSE substr(received_at, 1, 20) || substr(substr(received_at, 21, length(received_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE api_keys SET
    created_at = CASE
        WHEN created_at IS NULL OR length(created_at) = 30 THEN created_at
        WHEN length(created_at) = 20 THEN substr(created_at, 1, 19) || '.000000000Z'
        ELSE substr(created_at, 1, 20) || substr(substr(created_at, 21, length(created_at) - 21) || '000000000', 1, 9) || 'Z'
    END,
    revoked_at = CASE
        WHEN revoked_at IS NULL OR length(revoked_at) = 30 THEN revoked_at
        WHEN length(revoked_at) = 20 THEN substr(revoked_at, 1, 19) || '.000000000Z'
        ELSE substr(revoked_at, 1, 20) || substr(substr(revoked_at, 21, length(revoked_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE blobs SET
    created_at = CASE
        WHEN created_at IS NULL OR length(created_at) = 30 THEN created_at
        WHEN length(created_at) = 20 THEN substr(created_at, 1, 19) || '.000000000Z'
        ELSE substr(created_at, 1, 20) || substr(substr(created_at, 21, length(created_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE changes SET
    at = CASE
        WHEN at IS NULL OR length(at) = 30 THEN at
        WHEN length(at) = 20 THEN substr(at, 1, 19) || '.000000000Z'
        ELSE substr(at, 1, 20) || substr(substr(at, 21, length(at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE quarantines SET
    at = CASE
        WHEN at IS NULL OR length(at) = 30 THEN at
        WHEN length(at) = 20 THEN substr(at, 1, 19) || '.000000000Z'
        ELSE substr(at, 1, 20) || substr(substr(at, 21, length(at) - 21) || '000000000', 1, 9) || 'Z'
    END,
    recorded_at = CASE
        WHEN recorded_at IS NULL OR length(recorded_at) = 30 THEN recorded_at
        WHEN length(recorded_at) = 20 THEN substr(recorded_at, 1, 19) || '.000000000Z'
        ELSE substr(recorded_at, 1, 20) || substr(substr(recorded_at, 21, length(recorded_at) - 21) || '000000000', 1, 9) || 'Z'
    END;

UPDATE photos SET
    taken_at = CASE
        WHEN taken_at IS NULL OR length(taken_at) = 30 THEN taken_at
        WHEN length(taken_at) = 20 THEN substr(taken_at, 1, 19) || '.000000000Z'
        ELSE substr(taken_at, 1, 20) || substr(substr(taken_at, 21, length(taken_at) - 21) || '000000000', 1, 9) || 'Z'
    END;
