-- The office's queue of public reports walks the open ones in order of receipt (issue #14
-- bench: a sort of every report in scope took most of the list page's time).
CREATE INDEX public_reports_open_idx ON public_reports (id) WHERE state <> 'closed';
