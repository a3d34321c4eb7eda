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
    -- The report of the same matter this one was merged into.
    merged_into BIGINT REFERENCES public_reports(id),
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX public_reports_tracking_uq ON public_reports (tracking_no);
CREATE INDEX public_reports_office_idx ON public_reports (office_unit_id, state, id);
CREATE INDEX public_reports_handler_idx ON public_reports (handler_unit_id, state, id);
CREATE INDEX public_reports_credit_idx ON public_reports (credit_code);
CREATE INDEX public_reports_merged_idx ON public_reports (merged_into);

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

-- Informant rewards (有奖举报; the handling organ pays, 004 三(二)): at most one per report.
-- Amounts in fen. Proposed by the handling unit, approved or refused by its head (with the
-- finance bureau's joint decision above the office's figure), claimed by the reporter with the
-- tracking number and password, paid at the counter with the reporter's identity checked.
CREATE TABLE public_report_rewards (
    id {{PK}},
    report_id BIGINT NOT NULL REFERENCES public_reports(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    state TEXT NOT NULL,
    fines_fen BIGINT NOT NULL,
    tier TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    joint_decision BIGINT NOT NULL,
    joint_ref TEXT,
    proposed_by TEXT NOT NULL,
    proposed_on TEXT NOT NULL,
    decided_by TEXT,
    decided_on TEXT,
    claimed_on TEXT,
    paid_on TEXT,
    paid_by TEXT,
    voucher TEXT,
    identity_verified BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX public_report_rewards_report_uq ON public_report_rewards (report_id);
CREATE INDEX public_report_rewards_unit_idx ON public_report_rewards (unit_id, proposed_on);
