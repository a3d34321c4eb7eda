-- The scheduler finds the rows it just marked by these timestamps; without indexes each
-- follow-up statement of a pass would scan every deadline.
CREATE INDEX deadlines_reminded_idx ON deadlines (reminded_at);
CREATE INDEX deadlines_escalated_idx ON deadlines (escalated_at);
