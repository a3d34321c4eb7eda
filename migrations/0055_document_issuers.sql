-- Which organ issues each kind of an office's numbered documents (issue #20): the leading
-- group or its office, giving both the red header and the number's prefix
-- (`documents::issuers`). A kind with no row takes the default in the code.
CREATE TABLE document_issuers (
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    organ TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (office_unit_id, kind)
);
