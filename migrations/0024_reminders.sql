-- 催办: the office director and the leaders remind a unit of a duty it has not done; each
-- reminder is counted on the to-do (and recorded in the audit trail).
ALTER TABLE todo_items ADD COLUMN reminders BIGINT NOT NULL DEFAULT 0;
ALTER TABLE todo_items ADD COLUMN last_reminded_at TEXT;
