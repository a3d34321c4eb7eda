-- The group's meetings (001 §19–23; 003 三(一)): plenary and special meetings of the group,
-- responsible-persons' and liaison meetings; proposal, decision, attendance, minutes with
-- decided items, the chair's signature, the numbered minutes as PDF.

CREATE TABLE group_meetings (
    id {{PK}},
    kind TEXT NOT NULL,
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    planned_on TEXT NOT NULL,
    place TEXT,
    topics TEXT NOT NULL,
    state TEXT NOT NULL,
    decision_note TEXT,
    held_on TEXT,
    attendees TEXT,
    minutes TEXT,
    minutes_number TEXT,
    signed_by_name TEXT,
    signed_at TEXT,
    minutes_sha256 TEXT,
    minutes_pdf {{BLOB}},
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX group_meetings_office_idx ON group_meetings (office_unit_id, planned_on);
CREATE UNIQUE INDEX group_meetings_minutes_uq ON group_meetings (minutes_number);

-- Units invited, and whether they attended.
CREATE TABLE group_meeting_units (
    meeting_id BIGINT NOT NULL REFERENCES group_meetings(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    attended BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, unit_id)
);

-- Decided items (议定事项); each becomes a task when the minutes are issued.
CREATE TABLE group_meeting_items (
    id {{PK}},
    meeting_id BIGINT NOT NULL REFERENCES group_meetings(id),
    seq BIGINT NOT NULL,
    text TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    due_on TEXT NOT NULL,
    task_id BIGINT REFERENCES tasks(id)
);
CREATE INDEX group_meeting_items_meeting_idx ON group_meeting_items (meeting_id, seq);
