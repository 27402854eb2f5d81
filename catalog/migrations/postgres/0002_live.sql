-- Live runs: tasks and sessions streamed by producers.
ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'imported';
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'connection';
ALTER TABLE runs ADD COLUMN command TEXT;
ALTER TABLE runs ADD COLUMN labels TEXT;
ALTER TABLE runs ADD COLUMN exit_code BIGINT;
ALTER TABLE runs ADD COLUMN started_ms BIGINT;
ALTER TABLE runs ADD COLUMN finished_ms BIGINT;
CREATE INDEX runs_live ON runs (status) WHERE status = 'live';

-- A live log's last sign of life, for sealing silent logs as lost.
ALTER TABLE logs ADD COLUMN live_seen_ms BIGINT;

-- Producer tokens; only a hash of each is kept.
CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);
