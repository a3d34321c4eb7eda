-- What a public report was turned into by the office (issue #14; 000 §4 source 群众举报, 003
-- 三(五)): a major-case clue or a supervised task, linked both ways (the record names the report
-- in its source, the report lists the record). One of each kind per report: a second
-- conversion is refused by the unique index even when two are sent at once.
CREATE TABLE public_report_links (
    id {{PK}},
    report_id BIGINT NOT NULL REFERENCES public_reports(id),
    record_type TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL
);
CREATE UNIQUE INDEX public_report_links_uq ON public_report_links (report_id, record_type);
CREATE INDEX public_report_links_record_idx ON public_report_links (record_type, record_id);
