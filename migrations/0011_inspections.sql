-- Supervisory inspections (督导检查, 003 三(四)): a team from the units concerned inspects
-- units and writes a report; each finding becomes a rectification task for the unit inspected.

CREATE TABLE inspections (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    team TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    state TEXT NOT NULL,
    report TEXT,
    number TEXT,
    sha256 TEXT,
    pdf {{BLOB}},
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX inspections_office_idx ON inspections (office_unit_id, starts_on);
CREATE UNIQUE INDEX inspections_number_uq ON inspections (number);

CREATE TABLE inspection_units (
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (inspection_id, unit_id)
);

CREATE TABLE inspection_findings (
    id {{PK}},
    inspection_id BIGINT NOT NULL REFERENCES inspections(id),
    seq BIGINT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    text TEXT NOT NULL,
    due_on TEXT NOT NULL,
    task_id BIGINT REFERENCES tasks(id)
);
CREATE INDEX inspection_findings_idx ON inspection_findings (inspection_id, seq);
