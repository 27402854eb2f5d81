-- `runs_user_history` (username, updated_at, id) answers every lookup by
-- username that `runs_username` did, and each index is one more page
-- touched at random for every imported run.
DROP INDEX runs_username;
-- Usernames are searched in memory; the trigram index is not read.
DROP INDEX usernames_trigram;
-- The job queue is rewritten by every lease and completion: each leaves a
-- dead entry in the queue's indexes that the next lease walks past until
-- the table is vacuumed. At the default (a fifth of the table) a queue of
-- a million imported logs piles up 200,000 of them, and a lease took 7 ms
-- instead of 0.1; vacuum it after every 1% instead.
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
