-- Reports and complaints from the public (举报投诉, seed 002 (七)1; issue #14). A reporter has
-- no account: the tracking number names the report and only the SHA-256 of the query password
-- (bound to the number) is kept. The reporter's identity (name, phone, e-mail) is read only by
-- those handling the report, each view audited; NULL for an anonymous report.
CREATE TABLE public_reports (
    id {{PK}},
    tracking_no TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    product TEXT NOT NULL,
    brand TEXT,
    region TEXT NOT NULL,
    address TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    description TEXT NOT NULL,
    enterprise TEXT,
    credit_code TEXT,
    shop TEXT,
    reporter_name TEXT,
    reporter_phone TEXT,
    reporter_email TEXT,
    notify BIGINT NOT NULL DEFAULT 0,
    insider BIGINT NOT NULL DEFAULT 0,
    -- The office of the region named, which routes it; the unit it routed it to.
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    handler_unit_id BIGINT REFERENCES units(id),
    received_on TEXT NOT NULL,
    received_at TEXT NOT NULL,
    extended BIGINT NOT NULL DEFAULT 0,
    -- The filing decision on a report: 1 filed, 0 not filed; NULL before it.
    filed BIGINT,
    decided_on TEXT,
    told_on TEXT,
    outcome TEXT,
    -- What the reporter may be told of the result (shown on the tracking page).
    public_result TEXT,
    closed_on TEXT,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX public_reports_tracking_uq ON public_reports (tracking_no);
CREATE INDEX public_reports_office_idx ON public_reports (office_unit_id, state, id);
CREATE INDEX public_reports_handler_idx ON public_reports (handler_unit_id, state, id);
CREATE INDEX public_reports_credit_idx ON public_reports (credit_code);

-- The report's history: each act, by whom, and whether the reporter sees it on the tracking
-- page (the reporter's own additions, the routing and decisions in plain words). Nothing
-- updates this table.
CREATE TABLE public_report_entries (
    id {{PK}},
    report_id BIGINT NOT NULL REFERENCES public_reports(id),
    kind TEXT NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    shown_to_reporter BIGINT NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
CREATE INDEX public_report_entries_report_idx ON public_report_entries (report_id, id);

-- Evidence from the reporter (with the report or added later) and from the handling unit.
CREATE TABLE public_report_attachments (
    id {{PK}},
    report_id BIGINT NOT NULL REFERENCES public_reports(id),
    filename TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content {{BLOB}} NOT NULL,
    -- 1 when the reporter sent it.
    from_reporter BIGINT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX public_report_attachments_report_idx ON public_report_attachments (report_id, id);
