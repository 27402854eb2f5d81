-- Signed-in people's sessions (--auth oidc): a SHA-256 of the cookie's
-- secret, never the secret; who they are and their role as the identity
-- provider said at sign-in; when the session ends unless used again.
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_ms);
