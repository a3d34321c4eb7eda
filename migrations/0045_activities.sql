-- Training and publicity activities (issue #22; seeds 002 (八)1–3, 004 一(四)–(五)): what was
-- done (`kind`: publicity, training, outreach; `outreach_to` for a “四进” activity), when, where,
-- whom it reached (`audiences`, comma-separated codes), how many took part, and a short report.
-- The organising units are the record's parties (`record_parties`, resource 'activity': the
-- recording unit as 'lead', the others as 'co_organiser'), so each sees it and a count reads
-- each activity once. `state`: recorded, or withdrawn by the recording unit with the reason.
CREATE TABLE activities (
    id {{PK}},
    kind TEXT NOT NULL,
    outreach_to TEXT,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    ended_on TEXT,
    place TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    audiences TEXT NOT NULL,
    participants BIGINT NOT NULL,
    report TEXT NOT NULL,
    state TEXT NOT NULL,
    withdraw_reason TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- A year's activities, newest first (the list and the count of an office's region).
CREATE INDEX activities_held_idx ON activities (held_on, id);

-- Materials (courseware, leaflets, press cuttings) and photos of an activity, with their
-- SHA-256, size and type; downloadable only within the activity's scope.
CREATE TABLE activity_attachments (
    id {{PK}},
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    kind TEXT NOT NULL,
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
CREATE INDEX activity_attachments_activity_idx ON activity_attachments (activity_id, id);
