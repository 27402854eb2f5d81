-- Runs (connections) with what the table sorts and filters by.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    username TEXT,
    ip TEXT NOT NULL DEFAULT '',
    last_updated TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL DEFAULT 0,
    version TEXT,
    client_log TEXT,
    server_log TEXT,
    client_state TEXT NOT NULL,
    server_state TEXT NOT NULL,
    lines BIGINT,
    errors BIGINT,
    warnings BIGINT,
    error_pct DOUBLE PRECISION,
    latency_p50 DOUBLE PRECISION,
    latency_p95 DOUBLE PRECISION,
    sparkline TEXT,
    imported_ms BIGINT NOT NULL
);
CREATE INDEX runs_newest ON runs (updated_at DESC, id DESC);
CREATE INDEX runs_by_errors ON runs (COALESCE(error_pct, -1) DESC, id DESC);
CREATE INDEX runs_by_latency_p95 ON runs (COALESCE(latency_p95, -1) DESC, id DESC);
CREATE INDEX runs_version ON runs (version);

-- Username search: a trigram index answers case-insensitive substring queries.
CREATE VIRTUAL TABLE runs_user USING fts5(
    username, content='runs', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER runs_user_insert AFTER INSERT ON runs BEGIN
    INSERT INTO runs_user (rowid, username) VALUES (new.id, new.username);
END;
CREATE TRIGGER runs_user_delete AFTER DELETE ON runs BEGIN
    INSERT INTO runs_user (runs_user, rowid, username) VALUES ('delete', old.id, old.username);
END;
CREATE TRIGGER runs_user_update AFTER UPDATE OF username ON runs
WHEN old.username IS NOT new.username BEGIN
    INSERT INTO runs_user (runs_user, rowid, username) VALUES ('delete', old.id, old.username);
    INSERT INTO runs_user (rowid, username) VALUES (new.id, new.username);
END;

-- One row per log of a run, with its summary once indexed.
CREATE TABLE logs (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    location TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    summary TEXT,
    indexed_ms BIGINT,
    PRIMARY KEY (run_id, name)
);

-- Error and warning templates: totals over all logs, kept as logs are indexed.
CREATE TABLE template_totals (
    level TEXT NOT NULL,
    template TEXT NOT NULL,
    count BIGINT NOT NULL,
    runs BIGINT NOT NULL,
    PRIMARY KEY (level, template)
);
CREATE INDEX template_totals_by_count ON template_totals (level, count DESC);

-- Durable indexing work: one job per log.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL,
    log_name TEXT NOT NULL,
    location TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_after BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    UNIQUE (run_id, log_name)
);
CREATE INDEX jobs_ready ON jobs (state, run_after);
CREATE INDEX jobs_failed ON jobs (state, updated_ms DESC);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms BIGINT NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL
);

CREATE TABLE bookmarks (
    run_id BIGINT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    note TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL
);
