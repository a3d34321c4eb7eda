-- The annual performance assessment (年度绩效考核; 001 §14; 002 (五); 003 二(四)): a year's
-- scheme, the units and counties assessed, their scores, the clocks each computed score
-- counted (the frozen snapshot), the office's adjustments and the units' objections.
CREATE TABLE assessments (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    -- JSON: the scheme's indicators, fixed once computed.
    indicators TEXT NOT NULL,
    state TEXT NOT NULL,
    computed_on TEXT,
    approved_on TEXT,
    approved_by_name TEXT,
    circular_id BIGINT REFERENCES circulars(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assessments_uq ON assessments (office_unit_id, year);

-- Who is assessed: a member unit of the office's own region, or a county (by its office).
CREATE TABLE assessment_subjects (
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (assessment_id, unit_id)
);

CREATE TABLE assessment_scores (
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    indicator TEXT NOT NULL,
    score_centi BIGINT NOT NULL,
    -- A computed score's clocks: how many counted, how many on time.
    counted BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, unit_id, indicator)
);

CREATE TABLE assessment_clocks (
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    indicator TEXT NOT NULL,
    deadline_id BIGINT NOT NULL REFERENCES deadlines(id),
    -- on_time | late | missed | overdue, as it stood when computed.
    outcome TEXT NOT NULL,
    PRIMARY KEY (assessment_id, unit_id, indicator, deadline_id)
);

CREATE TABLE assessment_adjustments (
    id {{PK}},
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    indicator TEXT NOT NULL,
    from_centi BIGINT NOT NULL,
    to_centi BIGINT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX assessment_adjustments_idx ON assessment_adjustments (assessment_id, id);

CREATE TABLE assessment_objections (
    id {{PK}},
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    indicator TEXT,
    text TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX assessment_objections_idx ON assessment_objections (assessment_id, id);
