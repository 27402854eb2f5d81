-- Search by the start of an IP address.
-- In byte order, so that a prefix is a range whatever the collation.
CREATE INDEX runs_ip ON runs (ip COLLATE "C");

-- Which logs have which template, so the run list can be filtered by one.
-- `tkey` is a 63-bit hash of (level, template) computed by the server.
CREATE TABLE log_templates (
    tkey BIGINT NOT NULL,
    run_id BIGINT NOT NULL,
    log TEXT NOT NULL,
    PRIMARY KEY (tkey, run_id, log)
);
CREATE INDEX log_templates_run ON log_templates (run_id, log);

-- Filled by the server from the logs' summaries on open.
INSERT INTO catalog_meta (key, value) VALUES ('index_log_templates', 'pending');
