-- Attachments of a case (evidence, scanned letters, photos): stored with their SHA-256, size
-- and type, downloadable only within the case's data scope, archived with the dossier.
CREATE TABLE case_attachments (
    id {{PK}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
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
CREATE INDEX case_attachments_case_idx ON case_attachments (case_id, id);

-- The case list orders by last change; an index lets the first page be read without sorting.
CREATE INDEX cases_updated_idx ON cases (updated_at, id);
-- Filtering by lead unit and state while ordering by last change reads the index in order.
CREATE INDEX cases_lead_state_updated_idx ON cases (lead_unit_id, state, updated_at, id);
CREATE INDEX cases_state_updated_idx ON cases (state, updated_at, id);
-- A unit's cases: its party rows (covering) and each case's last change without reading the row.
CREATE INDEX record_parties_unit_record_idx ON record_parties (unit_id, resource, record_id);
CREATE INDEX cases_id_updated_idx ON cases (id, updated_at);
-- A party row carries its record's last-change time, so a unit's first page of records reads
-- one index in order instead of sorting all the unit's records.
ALTER TABLE record_parties ADD COLUMN sort_key TEXT;
CREATE INDEX record_parties_unit_sort_idx ON record_parties (unit_id, resource, sort_key, record_id);

-- Superseded by the wider indexes above (same leading columns).
DROP INDEX cases_state_idx;
DROP INDEX cases_lead_idx;
DROP INDEX record_parties_unit_idx;
