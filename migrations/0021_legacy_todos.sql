-- Every to-do is now keyed to its duty and closed only by the act that does it (issue #12).
-- Rows made before that carry no duty, and no act closes them any more: they are closed here.
-- The work they stood for is still shown by its record's state, its open clocks (in the to-do
-- centre) and the keyed to-dos the next steps open. Deadline reminders keep their own rule.
UPDATE todo_items SET done_at = created_at
WHERE done_at IS NULL AND duty IS NULL AND (source_type IS NULL OR source_type <> 'deadline');
