-- Typical cases (典型案例; issue #22; seeds 002 (八)1 曝光典型案件, 003 三(六)): the office writes
-- up a concluded case, a filed transfer or a published penalty decision (`source_kind`,
-- `source_id`) as a typical case. `title` and `text` are the write-up as generated and redacted
-- (never a personal identifier: the redaction of penalty disclosure); `hidden` counts what the
-- redaction took out, by kind (JSON), never the text itself. It goes through the document chain
-- (`drafts`, kind 'typical_case'): `state` pending until the office director signs it, then
-- signed (numbered, `pdf`), published on the public pages and unpublished again with a reason.
-- `circular_id`: the circular (kind typical_cases) it was circulated in. The office and the
-- unit whose work it comes from are the record's parties (`record_parties`, resource
-- 'typical_case': 'office', 'source').
CREATE TABLE typical_cases (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    office_region TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    source_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    hidden TEXT NOT NULL,
    state TEXT NOT NULL,
    number TEXT,
    signed_by_name TEXT,
    signed_at TEXT,
    sha256 TEXT,
    pdf {{BLOB}},
    circular_id BIGINT REFERENCES circulars(id),
    published_on TEXT,
    unpublished_on TEXT,
    unpublish_reason TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The year's write-ups (the list and the yearly collection), and the public list, newest first.
CREATE INDEX typical_cases_created_idx ON typical_cases (created_at, id);
CREATE INDEX typical_cases_published_idx ON typical_cases (state, published_on, id);
-- One write-up per source record.
CREATE UNIQUE INDEX typical_cases_source_idx ON typical_cases (source_kind, source_id);
