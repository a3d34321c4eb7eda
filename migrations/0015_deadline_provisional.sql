-- A due date whose arithmetic used a provisional holiday year (no State Council notice imported
-- yet) is marked so pages and the API can say 暂定; `recomputed_at` marks the rows an import of
-- a notice moved, so their owners and offices are told in set-based statements (as the
-- scheduler does with reminded_at / escalated_at).
ALTER TABLE deadlines ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deadlines ADD COLUMN recomputed_at TEXT;
CREATE INDEX deadlines_recomputed_idx ON deadlines (recomputed_at);
-- The year-end warning counts the open provisional deadlines on every office home page.
CREATE INDEX deadlines_provisional_idx ON deadlines (provisional, state);
-- A deadline's to-dos are found by their source when it is settled or recomputed; without this
-- index each lookup scanned every to-do.
CREATE INDEX todo_source_idx ON todo_items (source_type, source_id);
