-- Administrative–criminal linkage (seed 004; 002 (三)): transfers between administrative
-- organs and the police in both directions with their decisions, reconsideration and
-- procuratorate supervision; assistance and consultation between the two sides; joint
-- meetings and their follow-up items; and secrecy markings that withhold a record or a file
-- from all but its own units and named people (004 一(二)).

CREATE TABLE transfers (
    id {{PK}},
    code TEXT NOT NULL,
    direction TEXT NOT NULL,
    situation TEXT NOT NULL,
    title TEXT NOT NULL,
    facts TEXT NOT NULL,
    suspects TEXT NOT NULL,
    amount_fen BIGINT,
    penalty_number TEXT,
    from_unit_id BIGINT NOT NULL REFERENCES units(id),
    to_unit_id BIGINT NOT NULL REFERENCES units(id),
    procuratorate_unit_id BIGINT REFERENCES units(id),
    case_id BIGINT REFERENCES cases(id),
    state TEXT NOT NULL,
    -- Hand-back: the day the police decided the case is not criminal (004 二(三)).
    police_decided_on TEXT,
    sent_on TEXT,
    received_on TEXT,
    -- The filing decision, or for a hand-back market regulation's own decision.
    decided_on TEXT,
    decision TEXT,
    -- The day the latest refusal (or upheld reconsideration) was served on the sender.
    served_on TEXT,
    late_exception TEXT,
    refused BIGINT NOT NULL DEFAULT 0,
    reconsideration TEXT,
    supervision TEXT,
    withheld BIGINT NOT NULL DEFAULT 0,
    secrecy_basis TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX transfers_code_uq ON transfers (code);
CREATE INDEX transfers_updated_idx ON transfers (updated_at, id);
CREATE INDEX transfers_from_idx ON transfers (from_unit_id, sent_on);
CREATE INDEX transfers_to_idx ON transfers (to_unit_id, sent_on);

CREATE TABLE transfer_items (
    id {{PK}},
    transfer_id BIGINT NOT NULL REFERENCES transfers(id),
    name TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit TEXT NOT NULL,
    storage TEXT NOT NULL
);
CREATE INDEX transfer_items_transfer_idx ON transfer_items (transfer_id, id);

CREATE TABLE transfer_events (
    id {{PK}},
    transfer_id BIGINT NOT NULL REFERENCES transfers(id),
    at TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_unit_id BIGINT REFERENCES units(id),
    kind TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX transfer_events_transfer_idx ON transfer_events (transfer_id, id);

-- Generated documents: transfer letter, filing and non-filing notices, reconsideration
-- request, hand-back letter; each numbered in its own yearly sequence.
CREATE TABLE transfer_documents (
    id {{PK}},
    transfer_id BIGINT NOT NULL REFERENCES transfers(id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    issuer_unit_id BIGINT NOT NULL REFERENCES units(id),
    issued_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pdf {{BLOB}} NOT NULL
);
CREATE UNIQUE INDEX transfer_documents_number_uq ON transfer_documents (number);
CREATE INDEX transfer_documents_transfer_idx ON transfer_documents (transfer_id, id);

CREATE TABLE transfer_attachments (
    id {{PK}},
    transfer_id BIGINT NOT NULL REFERENCES transfers(id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    description TEXT,
    content {{BLOB}} NOT NULL,
    withheld BIGINT NOT NULL DEFAULT 0,
    secrecy_basis TEXT,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_by_unit BIGINT NOT NULL REFERENCES units(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX transfer_attachments_transfer_idx ON transfer_attachments (transfer_id, id);

-- Named people who may see a withheld record beyond its own units (004 一(二)).
CREATE TABLE secrecy_grants (
    resource TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (resource, record_id, user_id)
);

-- Assistance both ways (004 二(四)) and consultation (004 一(三)).
CREATE TABLE linkage_requests (
    id {{PK}},
    kind TEXT NOT NULL,
    from_unit_id BIGINT NOT NULL REFERENCES units(id),
    to_unit_id BIGINT NOT NULL REFERENCES units(id),
    transfer_id BIGINT REFERENCES transfers(id),
    escalated_from BIGINT REFERENCES linkage_requests(id),
    topic TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    urgent BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_at TEXT,
    withheld BIGINT NOT NULL DEFAULT 0,
    secrecy_basis TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX linkage_requests_updated_idx ON linkage_requests (updated_at, id);

-- Joint supervision meetings (004 三(三)) and special coordination meetings (004 二(五)).
CREATE TABLE linkage_meetings (
    id {{PK}},
    kind TEXT NOT NULL,
    requested_by_unit_id BIGINT NOT NULL REFERENCES units(id),
    transfer_id BIGINT REFERENCES transfers(id),
    held_on TEXT NOT NULL,
    place TEXT,
    attendees TEXT NOT NULL,
    topics TEXT NOT NULL,
    minutes TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX linkage_meetings_held_idx ON linkage_meetings (held_on, id);

CREATE TABLE linkage_meeting_items (
    id {{PK}},
    meeting_id BIGINT NOT NULL REFERENCES linkage_meetings(id),
    text TEXT NOT NULL,
    owner_unit_id BIGINT NOT NULL REFERENCES units(id),
    due_on TEXT NOT NULL,
    deadline_id BIGINT REFERENCES deadlines(id),
    done_at TEXT,
    done_note TEXT
);
CREATE INDEX linkage_meeting_items_meeting_idx ON linkage_meeting_items (meeting_id, id);
