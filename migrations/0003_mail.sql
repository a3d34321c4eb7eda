-- E-mail as an optional second channel for notifications: an address per account, and per
-- notification whether and when it was mailed.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE notifications ADD COLUMN mailed_at TEXT;
ALTER TABLE notifications ADD COLUMN mail_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN mail_error TEXT;
CREATE INDEX notifications_unmailed_idx ON notifications (mailed_at, id);
