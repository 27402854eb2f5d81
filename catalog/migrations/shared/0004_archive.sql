-- A task run's output, archived to the log store once the run has ended.
ALTER TABLE runs ADD COLUMN output_log TEXT;
ALTER TABLE runs ADD COLUMN output_state TEXT NOT NULL DEFAULT 'missing';
CREATE INDEX runs_unarchived ON runs (kind, status) WHERE kind = 'task' AND output_state = 'missing';
