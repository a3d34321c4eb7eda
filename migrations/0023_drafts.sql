-- The document chain (拟稿 → 核稿 → 签发 → 印发): a numbered document waits here as the step
-- that will issue it, until the one entitled signs it; the number is taken at signing.
CREATE TABLE drafts (
    id {{PK}},
    kind TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    -- The issuing step as submitted ({"step": ..., its fields}).
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    drafter_id BIGINT NOT NULL REFERENCES users(id),
    drafter_name TEXT NOT NULL,
    number TEXT,
    signer_name TEXT,
    sign_opinion TEXT,
    signed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX drafts_record_idx ON drafts (record_type, record_id);
-- One draft of a kind in the chain per record at a time.
CREATE UNIQUE INDEX drafts_open_uq ON drafts (kind, record_type, record_id)
    WHERE state IN ('reviewing', 'signing');

CREATE TABLE draft_events (
    id {{PK}},
    draft_id BIGINT NOT NULL REFERENCES drafts(id),
    at TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    act TEXT NOT NULL,
    opinion TEXT NOT NULL
);
CREATE INDEX draft_events_draft_idx ON draft_events (draft_id, id);
