-- A task's output is a program's, not a session's: its errors and warnings
-- leave the templates. The server takes out those counted before, from the
-- logs' summaries, on open.
INSERT INTO catalog_meta (key, value) VALUES ('drop_task_templates', 'pending');
