-- The group's composition (001 §3–5; 003 一, 三(二)): its leader and deputies, and for each
-- member unit one responsible person and one liaison officer. A change is reported in writing
-- and approved by the group leader; past holders stay on record with their dates.

CREATE TABLE group_positions (
    id {{PK}},
    group_unit_id BIGINT NOT NULL REFERENCES units(id),
    unit_id BIGINT REFERENCES units(id),
    position TEXT NOT NULL,
    person_name TEXT NOT NULL,
    post TEXT,
    phone TEXT,
    effective_from TEXT NOT NULL,
    effective_until TEXT,
    change_id BIGINT
);
CREATE INDEX group_positions_group_idx ON group_positions (group_unit_id, effective_until);

CREATE TABLE composition_changes (
    id {{PK}},
    group_unit_id BIGINT NOT NULL REFERENCES units(id),
    unit_id BIGINT REFERENCES units(id),
    position TEXT NOT NULL,
    person_name TEXT NOT NULL,
    post TEXT,
    phone TEXT,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by_name TEXT NOT NULL,
    requested_by_unit BIGINT NOT NULL REFERENCES units(id),
    requested_at TEXT NOT NULL,
    decided_by_name TEXT,
    decided_at TEXT,
    decision_note TEXT
);
CREATE INDEX composition_changes_group_idx ON composition_changes (group_unit_id, state);
