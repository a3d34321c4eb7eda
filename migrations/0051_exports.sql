-- Long exports (issue #16): a workbook written in the background in constant memory, its
-- progress, and the file when ready.
CREATE TABLE exports (
    id {{PK}},
    kind TEXT NOT NULL,
    -- JSON: what was asked (the period).
    params TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- running | ready | failed
    state TEXT NOT NULL,
    rows_total BIGINT NOT NULL,
    rows_done BIGINT NOT NULL,
    -- The file under data_dir/exports, named unguessably.
    file_name TEXT,
    file_size BIGINT,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX exports_user_idx ON exports (requested_by, id);
