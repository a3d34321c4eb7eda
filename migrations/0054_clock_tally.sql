-- The clocks counted as they change (issue #16, the leaders' dashboard at scale): how many
-- clocks each owner unit has of each clause, started in each month, standing as each
-- `deadline::Timeliness` (`timeliness_sql!`). Exact, not a snapshot: every write that changes a
-- clock's state, owner, clause or start appends its old bucket −1 and its new bucket +1 to
-- `clock_tally_delta` in the same transaction (`statistics::tally`); a periodic pass folds the
-- deltas into `clock_tally`. Writers only append, so concurrent writers never wait on a hot
-- counter row nor deadlock on two of them; readers add the two tables.
CREATE TABLE clock_tally (
    owner_unit_id BIGINT NOT NULL,
    clause TEXT NOT NULL,
    -- YYYY-MM of the clock's start date.
    start_month TEXT NOT NULL,
    timeliness TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (start_month, owner_unit_id, clause, timeliness)
);

CREATE TABLE clock_tally_delta (
    id {{PK}},
    owner_unit_id BIGINT NOT NULL,
    clause TEXT NOT NULL,
    start_month TEXT NOT NULL,
    timeliness TEXT NOT NULL,
    n BIGINT NOT NULL
);

-- Filled from the clocks already stored (the same rule as `timeliness_sql!`; the consistency
-- check `statistics::tally::check` holds the two together).
INSERT INTO clock_tally (owner_unit_id, clause, start_month, timeliness, n)
SELECT d.owner_unit_id, d.clause, substr(d.start_date, 1, 7),
       (CASE d.state WHEN 'met' THEN (CASE WHEN d.due_date IS NOT NULL AND d.met_on > d.due_date
        THEN 'late' ELSE 'on_time' END) WHEN 'missed' THEN 'missed' WHEN 'waived' THEN 'waived'
        ELSE 'running' END),
       COUNT(*)
FROM deadlines d
GROUP BY d.owner_unit_id, d.clause, substr(d.start_date, 1, 7),
       (CASE d.state WHEN 'met' THEN (CASE WHEN d.due_date IS NOT NULL AND d.met_on > d.due_date
        THEN 'late' ELSE 'on_time' END) WHEN 'missed' THEN 'missed' WHEN 'waived' THEN 'waived'
        ELSE 'running' END);

-- The days of a partial month at the edge of a period are counted live, by start date.
CREATE INDEX deadlines_start_idx ON deadlines (start_date);
