-- The distinct usernames, with their lower-cased form, trigram indexed.
CREATE TABLE usernames (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    -- Lower-cased by the server (Unicode), as search terms are.
    folded TEXT NOT NULL
);
CREATE INDEX usernames_trigram ON usernames USING gin (folded gin_trgm_ops);
-- Folded again by the server on open (lower() follows the collation here).
INSERT INTO usernames (username, folded)
    SELECT DISTINCT username, lower(username) FROM runs WHERE username IS NOT NULL;

-- The per-run trigram index it replaces (every metric update rewrote it).
DROP INDEX runs_username_trgm;

-- This catalog's identity.
INSERT INTO catalog_meta (key, value) VALUES ('catalog_id', md5(random()::text || clock_timestamp()::text));
