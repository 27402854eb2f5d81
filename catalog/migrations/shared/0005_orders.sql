-- Sort keys of runs without metrics are REAL (-1.0), like the metrics
-- themselves, so every row of an order decodes as the same type (SQLite
-- would give an integer for -1).
DROP INDEX runs_by_errors;
DROP INDEX runs_by_latency_p95;
DROP INDEX runs_version;
CREATE INDEX runs_by_errors ON runs (COALESCE(error_pct, -1.0) DESC, id DESC);
CREATE INDEX runs_by_latency_p95 ON runs (COALESCE(latency_p95, -1.0) DESC, id DESC);

-- Among runs with errors, or without a client or a server log, in every
-- order. Their keys are written `KEY + 0`: only these indexes give that
-- order, so the planner walks the one that holds only the runs the filter
-- keeps (the full index would also walk, say, every run that has no
-- errors, a long way when they come last).
CREATE INDEX runs_newest_with_errors ON runs ((updated_at + 0) DESC, id DESC) WHERE errors > 0;
CREATE INDEX runs_by_errors_with_errors ON runs ((COALESCE(error_pct, -1.0) + 0) DESC, id DESC) WHERE errors > 0;
CREATE INDEX runs_by_latency_p95_with_errors ON runs ((COALESCE(latency_p95, -1.0) + 0) DESC, id DESC) WHERE errors > 0;
CREATE INDEX runs_newest_no_client ON runs ((updated_at + 0) DESC, id DESC) WHERE client_log IS NULL;
CREATE INDEX runs_by_errors_no_client ON runs ((COALESCE(error_pct, -1.0) + 0) DESC, id DESC) WHERE client_log IS NULL;
CREATE INDEX runs_by_latency_p95_no_client ON runs ((COALESCE(latency_p95, -1.0) + 0) DESC, id DESC) WHERE client_log IS NULL;
CREATE INDEX runs_newest_no_server ON runs ((updated_at + 0) DESC, id DESC) WHERE server_log IS NULL;
CREATE INDEX runs_by_errors_no_server ON runs ((COALESCE(error_pct, -1.0) + 0) DESC, id DESC) WHERE server_log IS NULL;
CREATE INDEX runs_by_latency_p95_no_server ON runs ((COALESCE(latency_p95, -1.0) + 0) DESC, id DESC) WHERE server_log IS NULL;

-- One protocol build in every order.
CREATE INDEX runs_version_newest ON runs (version, updated_at DESC, id DESC);
CREATE INDEX runs_version_by_errors ON runs (version, COALESCE(error_pct, -1.0) DESC, id DESC);
CREATE INDEX runs_version_by_latency_p95 ON runs (version, COALESCE(latency_p95, -1.0) DESC, id DESC);

-- Username search looks at the distinct usernames (far fewer than runs),
-- then at the runs of the ones that match; when many match, each run's own
-- lower-cased name is tested in list order. (Folded again by the server on
-- open: lower() knows only ASCII in SQLite.)
CREATE INDEX runs_username ON runs (username);
ALTER TABLE runs ADD COLUMN username_folded TEXT;
UPDATE runs SET username_folded = lower(username) WHERE username IS NOT NULL;

-- Facts about this catalog: its identity, and one-off work still to do.
CREATE TABLE catalog_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO catalog_meta (key, value) VALUES ('fold_usernames', 'pending');

-- The next due job, queued or with a lapsed lease, found by a seek each
-- (not a scan of every job ever queued).
DROP INDEX jobs_ready;
CREATE INDEX jobs_due ON jobs (state, run_after, id);
CREATE INDEX jobs_leased ON jobs (state, lease_until, id);
