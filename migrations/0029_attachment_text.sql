-- The text of an uploaded file (a PDF's text layer, a plain-text file), extracted once at
-- upload for full-text search (issue #17). NULL for files without one and for files uploaded
-- before this migration.
ALTER TABLE case_attachments ADD COLUMN text_content TEXT;
ALTER TABLE transfer_attachments ADD COLUMN text_content TEXT;
ALTER TABLE task_attachments ADD COLUMN text_content TEXT;
