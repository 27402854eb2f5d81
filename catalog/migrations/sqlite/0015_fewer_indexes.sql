-- `runs_user_history` (username, updated_at, id) answers every lookup by
-- username that `runs_username` did, and each index is one more page
-- touched at random for every imported run.
DROP INDEX runs_username;
-- Usernames are searched in memory; the trigram index is not read.
DROP TRIGGER usernames_insert;
DROP TRIGGER usernames_delete;
DROP TRIGGER usernames_update;
DROP TABLE usernames_trigram;
