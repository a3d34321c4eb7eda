-- Objections (异议) from the public to a published penalty decision or a listing (issue #15;
-- seed 002 (六)2, 信用信息查询和披露制度): received on the public site with a number and a query
-- password (only its digest kept), answered by the organ that owns the record on a clock.
CREATE TABLE credit_objections (
    id {{PK}},
    number TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    organ_unit_id BIGINT NOT NULL REFERENCES units(id),
    party_name TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    received_on TEXT NOT NULL,
    upheld BIGINT,
    answer TEXT,
    answered_on TEXT,
    answered_by TEXT,
    client_addr TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX credit_objections_number_uq ON credit_objections (number);
CREATE INDEX credit_objections_record_idx ON credit_objections (record_type, record_id);
