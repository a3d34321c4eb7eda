-- Reports from member units (001 §24–25; 003 三(三)): major-matter reports at any time, and
-- periodic information reports (work dynamics, case data) in rounds the office opens with a
-- period and a due date; the office sees who is late or missing.

CREATE TABLE report_rounds (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    period_label TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    due_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX report_rounds_office_idx ON report_rounds (office_unit_id, due_on);

CREATE TABLE report_round_units (
    round_id BIGINT NOT NULL REFERENCES report_rounds(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    deadline_id BIGINT REFERENCES deadlines(id),
    PRIMARY KEY (round_id, unit_id)
);

CREATE TABLE unit_reports (
    id {{PK}},
    kind TEXT NOT NULL,
    round_id BIGINT REFERENCES report_rounds(id),
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    cases_filed BIGINT,
    amount_fen BIGINT,
    cases_transferred BIGINT,
    submitted_by_name TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX unit_reports_round_idx ON unit_reports (round_id, unit_id);
CREATE INDEX unit_reports_office_idx ON unit_reports (office_unit_id, submitted_at);
