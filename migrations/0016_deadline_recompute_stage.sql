-- A recomputation after a holiday import now stages the clocks it changes in a temporary table
-- and counts its notices from there, so the per-row marker and its index (rewritten for every
-- moved date) are no longer needed.
DROP INDEX deadlines_recomputed_idx;
ALTER TABLE deadlines DROP COLUMN recomputed_at;
-- Partial indexes: the scheduler looks for the rows it just marked (a marker equal to the pass's
-- time, never NULL), and the year-end warning for open provisional clocks. Indexing only those
-- rows keeps every other rewrite of a deadline (an import moves 100,000 at once) from touching
-- these indexes at all.
DROP INDEX deadlines_reminded_idx;
CREATE INDEX deadlines_reminded_idx ON deadlines (reminded_at) WHERE reminded_at IS NOT NULL;
DROP INDEX deadlines_escalated_idx;
CREATE INDEX deadlines_escalated_idx ON deadlines (escalated_at) WHERE escalated_at IS NOT NULL;
DROP INDEX deadlines_provisional_idx;
CREATE INDEX deadlines_provisional_idx ON deadlines (state) WHERE provisional = 1;
