-- A record that names a party only by name, matched to the party's credit code by the office on
-- suggestion, never automatically (issue #15; 002 (六)1): once per record, also when two match
-- at once.
CREATE TABLE enterprise_matches (
    id {{PK}},
    credit_code TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    matched_by TEXT NOT NULL,
    matched_at TEXT NOT NULL
);
CREATE UNIQUE INDEX enterprise_matches_record_uq ON enterprise_matches (record_type, record_id);
CREATE INDEX enterprise_matches_code_idx ON enterprise_matches (credit_code);
