-- The producer that created a task run: the SHA-256 of its token. Only the
-- same token may write into the run or end it. NULL for runs created before
-- this was recorded, which any valid token may still write.
ALTER TABLE runs ADD COLUMN producer TEXT;
