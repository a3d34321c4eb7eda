-- The day a clock was met, kept beside the clock (issue #16): a clock met after its due date is
-- late and counts as late everywhere, so lists, statistics and the assessment compare it with
-- the due date in SQL (`timeliness_sql!`, `late_sql!`) instead of reading each clock's JSON.
-- Filled from the clock for the clocks already met.
ALTER TABLE deadlines ADD COLUMN met_on TEXT;
UPDATE deadlines SET met_on = {{JSON_MET_ON}} WHERE state = 'met';
