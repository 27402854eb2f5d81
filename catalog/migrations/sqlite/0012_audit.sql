-- Who changed what, when and from where (GET /api/audit), newest first by
-- id; and who made each bookmark.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    address TEXT,
    detail TEXT
);
ALTER TABLE bookmarks ADD COLUMN created_by TEXT;
