-- Major-case coordination and supervision (seed 000): cases from clue to archive, their
-- parties, grounds, units, timeline, reports, letters, attachments and the yearly document
-- number sequences.

CREATE TABLE doc_sequences (
    series TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (series, year)
);

CREATE TABLE cases (
    id {{PK}},
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    source TEXT NOT NULL,
    source_detail TEXT NOT NULL,
    received_on TEXT NOT NULL,
    product TEXT,
    product_category TEXT,
    right_kinds TEXT NOT NULL,
    regions TEXT NOT NULL,
    amount_fen BIGINT,
    handling_since TEXT,
    judicial_status TEXT NOT NULL,
    complex BIGINT NOT NULL DEFAULT 0,
    listed BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    registered_by_unit_id BIGINT NOT NULL REFERENCES units(id),
    lead_unit_id BIGINT REFERENCES units(id),
    responsible_user_id BIGINT REFERENCES users(id),
    letter_number TEXT,
    concluded_on TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX cases_code_uq ON cases (code);
CREATE INDEX cases_state_idx ON cases (state, updated_at);
CREATE INDEX cases_lead_idx ON cases (lead_unit_id, state);
CREATE INDEX cases_office_idx ON cases (office_unit_id, state, id);

CREATE TABLE case_parties (
    id {{PK}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL
);
CREATE INDEX case_parties_code_idx ON case_parties (code);
CREATE INDEX case_parties_case_idx ON case_parties (case_id);

CREATE TABLE case_grounds (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    ground TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (case_id, ground)
);

CREATE TABLE case_events (
    id {{PK}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_unit_id BIGINT REFERENCES units(id),
    kind TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX case_events_case_idx ON case_events (case_id, id);

-- Reports submitted by handling units (progress, closure): the office reads them but cannot
-- alter them (000 §11); nothing updates this table.
CREATE TABLE case_reports (
    id {{PK}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    author_user_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX case_reports_case_idx ON case_reports (case_id, id);

CREATE TABLE case_letters (
    id {{PK}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    addressee_unit_id BIGINT REFERENCES units(id),
    body TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    pdf {{BLOB}} NOT NULL
);
CREATE UNIQUE INDEX case_letters_number_uq ON case_letters (number);
CREATE INDEX case_letters_case_idx ON case_letters (case_id);

-- The archived dossier (000 §13): one ZIP per case with its SHA-256.
CREATE TABLE case_archives (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    created_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    zip {{BLOB}} NOT NULL
);
