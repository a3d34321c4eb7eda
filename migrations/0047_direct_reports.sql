-- Case direct reporting (查办案件直报, 001 §15–16; 003 二(三)): data sets an office defines,
-- the periods it opens, each unit's return for a period and its figures.
CREATE TABLE dr_sets (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    periodicity TEXT NOT NULL,
    due_working_days BIGINT NOT NULL,
    -- JSON: the indicators ([{code, label, measure, source}]) and the checks (["…"]).
    indicators TEXT NOT NULL,
    checks TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX dr_sets_office_idx ON dr_sets (office_unit_id);

CREATE TABLE dr_periods (
    id {{PK}},
    set_id BIGINT NOT NULL REFERENCES dr_sets(id),
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    period_code TEXT NOT NULL,
    label TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- open | closed
    state TEXT NOT NULL,
    closed_on TEXT,
    opened_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX dr_periods_uq ON dr_periods (set_id, period_code);

CREATE TABLE dr_returns (
    id {{PK}},
    period_id BIGINT NOT NULL REFERENCES dr_periods(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- The office of the level above that checks it: the office of the unit's region.
    checker_unit_id BIGINT NOT NULL REFERENCES units(id),
    state TEXT NOT NULL,
    deadline_id BIGINT REFERENCES deadlines(id),
    submitted_on TEXT,
    approved_on TEXT,
    return_reason TEXT,
    -- Set while an exception granted by the checker holds the return open; cleared when sent.
    exception_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX dr_returns_uq ON dr_returns (period_id, unit_id);
CREATE INDEX dr_returns_checker_idx ON dr_returns (checker_unit_id, period_id);

CREATE TABLE dr_figures (
    return_id BIGINT NOT NULL REFERENCES dr_returns(id),
    code TEXT NOT NULL,
    value BIGINT,
    -- What the platform's own records gave when it was last saved, and why it was corrected.
    prefilled BIGINT,
    reason TEXT,
    PRIMARY KEY (return_id, code)
);
