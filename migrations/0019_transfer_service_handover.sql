-- 004 二(二): the transferring unit records the day a notice reached it (1 once recorded for
-- the current notice). 国务院令第310号第十二条: the day the items involved were handed over to
-- the police after filing, and what was handed over.
ALTER TABLE transfers ADD COLUMN service_recorded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transfers ADD COLUMN items_handed_over_on TEXT;
ALTER TABLE transfers ADD COLUMN items_handover_note TEXT;
