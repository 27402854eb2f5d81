-- A job's lease and failure are looked up only among running and failed
-- jobs: index just those, so that the jobs an import queues (two a run) and
-- the finished ones (all of them, soon) are not in these indexes.
DROP INDEX jobs_leased;
CREATE INDEX jobs_leased ON jobs (lease_until, id) WHERE state = 'running';
DROP INDEX jobs_failed;
CREATE INDEX jobs_failed ON jobs (updated_ms DESC) WHERE state = 'failed';
