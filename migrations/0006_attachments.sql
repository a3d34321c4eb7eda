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
