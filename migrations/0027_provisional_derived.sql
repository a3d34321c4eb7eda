-- Whether a due date is provisional (暂定) is a property of the calendar, not of the clock: it
-- rests on a year with no imported notice. Pages and the API now derive it when they read
-- (`deadline::store::provisional_sql!`, from `holiday_years`), so an import that confirms
-- 100,000 clocks without moving them writes none of them; it rewrites only the dates that move.
DROP INDEX deadlines_provisional_idx;
ALTER TABLE deadlines DROP COLUMN provisional;
