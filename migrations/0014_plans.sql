-- Work plans (工作要点, shaped like seed 002): imported from the platform's .xlsx template;
-- each item becomes a supervised task. An upload whose unit names need a choice waits in
-- plan_imports until the office has chosen.

CREATE TABLE plans (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX plans_office_idx ON plans (office_unit_id, id);

CREATE TABLE plan_items (
    id {{PK}},
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    row_number BIGINT NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    due_on TEXT NOT NULL,
    task_id BIGINT NOT NULL REFERENCES tasks(id)
);
CREATE INDEX plan_items_plan_idx ON plan_items (plan_id, row_number);

CREATE TABLE plan_imports (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    content {{BLOB}} NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
