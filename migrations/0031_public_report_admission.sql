-- What the public site checked before it took a report (issue #14): the nonce of the proof of
-- work it came with, spent once (the unique index refuses a replayed token), and the subject it
-- names (credit code, else enterprise name, else shop), so reports against one subject are
-- counted per day whichever addresses send them.
ALTER TABLE public_reports ADD COLUMN challenge TEXT;
ALTER TABLE public_reports ADD COLUMN subject TEXT;
CREATE UNIQUE INDEX public_reports_challenge_uq ON public_reports (challenge);
CREATE INDEX public_reports_subject_idx ON public_reports (subject, received_at);
