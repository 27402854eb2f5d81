-- Each session's median and 95th percentile of the metrics besides latency
-- (whose columns exist), from its logs' summaries, written as a log is
-- indexed: the population figures (builds compared, outlier sessions, a
-- user's history) read these columns, never the summaries.
ALTER TABLE runs ADD COLUMN decode_p50 DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN decode_p95 DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN encode_p50 DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN encode_p95 DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN size_p50 DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN size_p95 DOUBLE PRECISION;

-- Filled by the server from the logs' summaries on open.
INSERT INTO catalog_meta (key, value) VALUES ('fill_session_metrics', 'pending');
