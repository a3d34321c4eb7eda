-- Circulars (通报, 003 三(六)) and work briefings (工作简报, 003 三(三)): drafted by the office,
-- signed by the group leader before issue (001 §26), numbered in their own yearly sequences,
-- issued as PDFs to the units addressed, with read receipts.

CREATE TABLE circulars (
    id {{PK}},
    kind TEXT NOT NULL,
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    office_region TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    named TEXT,
    state TEXT NOT NULL,
    number TEXT,
    signed_by_name TEXT,
    signed_at TEXT,
    return_reason TEXT,
    sha256 TEXT,
    pdf {{BLOB}},
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX circulars_office_idx ON circulars (office_unit_id, updated_at);
CREATE UNIQUE INDEX circulars_number_uq ON circulars (number);

CREATE TABLE circular_recipients (
    circular_id BIGINT NOT NULL REFERENCES circulars(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    read_at TEXT,
    read_by_name TEXT,
    PRIMARY KEY (circular_id, unit_id)
);
