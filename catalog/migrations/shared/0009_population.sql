-- Protocol builds: each one's sessions' figures, kept as counts on a 2 %
-- log scale per measure (`figures`, JSON) with the median and MAD of each
-- 95th percentile. Indexing a log of a build's run marks the build `dirty`;
-- the server recomputes a dirty build from its runs' columns in the
-- background, so a report reads these rows only.
CREATE TABLE builds (
    version TEXT PRIMARY KEY,
    first_seen BIGINT,
    sessions BIGINT NOT NULL DEFAULT 0,
    measured BIGINT NOT NULL DEFAULT 0,
    outliers BIGINT NOT NULL DEFAULT 0,
    figures TEXT,
    dirty INTEGER NOT NULL DEFAULT 1,
    -- The outlier threshold the runs' flags were set with.
    scored_with DOUBLE PRECISION,
    computed_ms BIGINT
);
INSERT INTO builds (version) SELECT DISTINCT version FROM runs WHERE version IS NOT NULL;

-- A session far above its build on some measure: which one, and how far
-- (robust standard deviations). Set by the build's recomputation.
ALTER TABLE runs ADD COLUMN outlier TEXT;
ALTER TABLE runs ADD COLUMN outlier_score DOUBLE PRECISION;
CREATE INDEX runs_newest_outliers ON runs ((updated_at + 0) DESC, id DESC) WHERE outlier IS NOT NULL;
CREATE INDEX runs_by_errors_outliers ON runs ((COALESCE(error_pct, -1.0) + 0) DESC, id DESC) WHERE outlier IS NOT NULL;
CREATE INDEX runs_by_latency_p95_outliers ON runs ((COALESCE(latency_p95, -1.0) + 0) DESC, id DESC) WHERE outlier IS NOT NULL;

-- A user's sessions over time.
CREATE INDEX runs_user_history ON runs (username, updated_at DESC, id DESC);
