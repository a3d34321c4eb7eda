-- Legal-period calendar years added or corrected by an administrator (the shipped years live in
-- the binary; a stored year overrides the shipped one), deadlines with their history, and the
-- leases that let exactly one server instance run each background job.

CREATE TABLE holiday_years (
    year BIGINT PRIMARY KEY,
    schedule TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id)
);

CREATE TABLE deadlines (
    id {{PK}},
    purpose TEXT NOT NULL,
    clause TEXT NOT NULL,
    start_event TEXT NOT NULL,
    start_date TEXT NOT NULL,
    rule_text TEXT NOT NULL,
    -- The clock (rule, suspensions, extensions, state) as JSON: the source of truth. The columns
    -- below are derived from it whenever it changes, so the scheduler can work in SQL.
    clock TEXT NOT NULL,
    due_date TEXT,
    state TEXT NOT NULL,
    suspended_since TEXT,
    record_type TEXT,
    record_id BIGINT,
    owner_unit_id BIGINT NOT NULL REFERENCES units(id),
    owner_user_id BIGINT REFERENCES users(id),
    reminded_at TEXT,
    escalated_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX deadlines_state_due_idx ON deadlines (state, due_date);
CREATE INDEX deadlines_owner_idx ON deadlines (owner_unit_id, state);
CREATE INDEX deadlines_record_idx ON deadlines (record_type, record_id);

CREATE TABLE deadline_events (
    id {{PK}},
    deadline_id BIGINT NOT NULL REFERENCES deadlines(id),
    at TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX deadline_events_idx ON deadline_events (deadline_id, id);

CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
