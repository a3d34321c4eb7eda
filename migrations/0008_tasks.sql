-- Supervised tasks (seed 003 三(五) 协查督办; 001 §22): decided items, leader instructions,
-- inspection findings, public reports and units' requests become tasks with a lead unit,
-- cooperating units and a time limit; units report progress and completion with evidence; the
-- office accepts or sends back with reasons.

CREATE TABLE tasks (
    id {{PK}},
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT,
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    submitted_on TEXT,
    accepted_on TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX tasks_code_uq ON tasks (code);
CREATE INDEX tasks_updated_idx ON tasks (updated_at, id);
CREATE INDEX tasks_lead_idx ON tasks (lead_unit_id, state);

-- Reports from the lead and cooperating units (progress, completion) and the office's
-- acceptance or sending back; nothing updates this table.
CREATE TABLE task_entries (
    id {{PK}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    kind TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX task_entries_task_idx ON task_entries (task_id, id);

CREATE TABLE task_attachments (
    id {{PK}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    filename TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    description TEXT,
    content {{BLOB}} NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_by_unit BIGINT NOT NULL REFERENCES units(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX task_attachments_task_idx ON task_attachments (task_id, id);
