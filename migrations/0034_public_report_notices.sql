-- Notices to a reporter who asked for them (issue #14): written in the transaction of each act
-- the reporter may read, for a named reporter who ticked "notify me" only (never anonymous);
-- sent by a job when the office switches notices on (`public_notices`), by e-mail and/or the
-- configured outbound hook (an SMS gateway), with the outcome kept on the row.
CREATE TABLE public_report_notices (
    id {{PK}},
    report_id BIGINT NOT NULL REFERENCES public_reports(id),
    what TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX public_report_notices_unsent_idx ON public_report_notices (sent_at, id);
