-- 001 §24: the group office compiles the major matters the units report and reports them to the
-- group's leader and deputies; when it did, who, and with what words.
ALTER TABLE unit_reports ADD COLUMN forwarded_at TEXT;
ALTER TABLE unit_reports ADD COLUMN forwarded_by_name TEXT;
ALTER TABLE unit_reports ADD COLUMN forward_note TEXT;
