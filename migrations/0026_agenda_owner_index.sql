-- Every page's header counts the open clocks a person owns, or their unit owns when no one
-- person does (`notify::store::CLOCKS`), and those due by today. Without an index on the
-- person, the OR of the two made both databases scan every deadline on every page; with these
-- each arm reads its own index, and only the part due by today when that is what is counted.
CREATE INDEX deadlines_owner_user_idx ON deadlines (owner_user_id, state, due_date);
DROP INDEX deadlines_owner_idx;
CREATE INDEX deadlines_owner_idx ON deadlines (owner_unit_id, state, due_date);
