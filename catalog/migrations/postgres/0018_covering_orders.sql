-- A search that matches a few runs in a thousand walks an order's index
-- testing each run, and finds a page only after tens of thousands of them.
-- The walk reads just the ids of the page (see `runs.rs`), and the indexes
-- of the orders by a metric carry what that reads and tests — the metric
-- under the key's expression (PostgreSQL reads an index alone only when it
-- holds the columns themselves), the username as searched and the IP — so
-- the walk reads the table only for the page's own rows and for runs
-- changed since the table's last VACUUM, not for every run it tests. In
-- these orders the tested runs lie anywhere in the table: at ten million
-- runs, reading each one cost a search's first page 120–190 ms. Newest
-- first, the runs a walk tests lie together in the table, as they arrived.
DROP INDEX runs_by_errors;
CREATE INDEX runs_by_errors ON runs (COALESCE(error_pct, -1.0) DESC, id DESC)
    INCLUDE (error_pct, username_folded, ip);
DROP INDEX runs_by_latency_p95;
CREATE INDEX runs_by_latency_p95 ON runs (COALESCE(latency_p95, -1.0) DESC, id DESC)
    INCLUDE (latency_p95, username_folded, ip);
