-- The distinct usernames, with their lower-cased form, trigram indexed.
CREATE TABLE usernames (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    -- Lower-cased by the server (Unicode), as search terms are.
    folded TEXT NOT NULL
);
CREATE VIRTUAL TABLE usernames_trigram USING fts5(
    folded, content='usernames', content_rowid='id', tokenize='trigram case_sensitive 1'
);
CREATE TRIGGER usernames_insert AFTER INSERT ON usernames BEGIN
    INSERT INTO usernames_trigram (rowid, folded) VALUES (new.id, new.folded);
END;
CREATE TRIGGER usernames_delete AFTER DELETE ON usernames BEGIN
    INSERT INTO usernames_trigram (usernames_trigram, rowid, folded) VALUES ('delete', old.id, old.folded);
END;
CREATE TRIGGER usernames_update AFTER UPDATE OF folded ON usernames BEGIN
    INSERT INTO usernames_trigram (usernames_trigram, rowid, folded) VALUES ('delete', old.id, old.folded);
    INSERT INTO usernames_trigram (rowid, folded) VALUES (new.id, new.folded);
END;
-- Folded again by the server on open (lower() here is ASCII only).
INSERT INTO usernames (username, folded)
    SELECT DISTINCT username, lower(username) FROM runs WHERE username IS NOT NULL;

-- The per-run trigram index it replaces.
DROP TRIGGER runs_user_insert;
DROP TRIGGER runs_user_delete;
DROP TRIGGER runs_user_update;
DROP TABLE runs_user;

-- This catalog's identity.
INSERT INTO catalog_meta (key, value) VALUES ('catalog_id', lower(hex(randomblob(16))));
