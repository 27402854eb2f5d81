-- Producer tokens created with `logdeck token create`; only a SHA-256 of
-- each is kept.
CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);
