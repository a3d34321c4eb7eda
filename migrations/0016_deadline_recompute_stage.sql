-- A recomputation after a holiday import now stages the clocks it changes in a temporary table
-- and counts its notices from there, so the per-row marker and its index (rewritten for every
-- moved date) are no longer needed.
DROP INDEX deadlines_recomputed_idx;
ALTER TABLE deadlines DROP COLUMN recomputed_at;
