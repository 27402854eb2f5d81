-- What a token may do: stream runs (`producer`) or send inventory entries
-- (`inventory`), never both.
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'producer';

-- Inventory sources servers poll (`serve --source`), by the name they are
-- shown under (credentials left out): what every server polling one has
-- recorded. `cursor` is what the next poll starts from: a URL's validators
-- (`ETag`, `Last-Modified`) or the last key of an S3 prefix's listing.
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    cursor TEXT,
    polled_ms BIGINT,
    ok_ms BIGINT,
    rows BIGINT NOT NULL DEFAULT 0,
    added BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    files BIGINT NOT NULL DEFAULT 0,
    errors BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    lag_ms BIGINT
);

-- The files of S3 sources: a server claims one (a lease, as jobs have)
-- before importing it and marks it done after, so each file is imported
-- once however many servers watch the prefix and however often they restart.
CREATE TABLE source_files (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    owner TEXT,
    lease_until BIGINT,
    rows BIGINT,
    skipped BIGINT,
    done_ms BIGINT,
    PRIMARY KEY (source, key)
);
