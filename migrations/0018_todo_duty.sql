-- A to-do is keyed by the record it is about (source_type, source_id) and the duty it asks
-- for, so the act that discharges that duty closes it, and no other act does (issue #12).
-- To-dos without a duty are still closed by any act of their holder on the linked record.
ALTER TABLE todo_items ADD COLUMN duty TEXT;
