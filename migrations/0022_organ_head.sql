-- The organ head's approval (国务院令第310号第五条; the police's filing decisions): a step a
-- handler proposes waits on the transfer, with its text and the state it was proposed from,
-- until the head of the unit approves or returns it.
ALTER TABLE transfers ADD COLUMN pending_step TEXT;
ALTER TABLE transfers ADD COLUMN pending_from TEXT;
ALTER TABLE transfers ADD COLUMN pending_text TEXT;
ALTER TABLE transfers ADD COLUMN pending_by TEXT;
-- A unit's to-do may be for the holders of one role in it (the head's approvals).
ALTER TABLE todo_items ADD COLUMN role TEXT;
