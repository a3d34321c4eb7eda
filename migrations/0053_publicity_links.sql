-- Issue #22, continued. A campaign report sent back by the office for correction: the reason
-- and the day, kept after it is sent again (the correction runs on a clock of its own, recorded
-- as the report's `deadline_id`; the first clock stays as it ended).
ALTER TABLE campaign_reports ADD COLUMN return_reason TEXT;
ALTER TABLE campaign_reports ADD COLUMN returned_on TEXT;

-- A report's figure as the platform prefilled it (the transfers the unit sent to the police in
-- the stage's period) and the reason a unit gave for a figure corrected away from it.
ALTER TABLE campaign_figures ADD COLUMN prefilled BIGINT;
ALTER TABLE campaign_figures ADD COLUMN reason TEXT;

-- A work-plan item may ask for an activity of a kind (publicity, training, outreach) by its lead
-- unit by its due date; the activity recorded to fulfil it names the item.
ALTER TABLE plan_items ADD COLUMN activity_kind TEXT;
ALTER TABLE activities ADD COLUMN plan_item_id BIGINT REFERENCES plan_items(id);
CREATE INDEX activities_plan_item_idx ON activities (plan_item_id);
