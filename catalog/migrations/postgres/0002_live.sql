-- Live runs: tasks and sessions streamed by producers.
ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'imported';
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'connection';
ALTER TABLE runs ADD COLUMN command TEXT;
ALTER TABLE runs ADD COLUMN labels TEXT;
ALTER TABLE runs ADD COLUMN exit_code BIGINT;
ALTER TABLE runs ADD COLUMN started_ms BIGINT;
ALTER TABLE runs ADD COLUMN finished_ms BIGINT;
CREATE INDEX runs_live ON runs (status) WHERE status = 'live';

