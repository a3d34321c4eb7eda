-- Who signs a draft: the role it was drafted for (the record decides: a meeting's kind names
-- its chair), held in the office's own unit or, for the group's leaders, in its region.
ALTER TABLE drafts ADD COLUMN signer_role TEXT NOT NULL DEFAULT 'office_director';
ALTER TABLE drafts ADD COLUMN office_region TEXT NOT NULL DEFAULT '';
UPDATE drafts SET office_region = (SELECT u.region_code FROM units u WHERE u.id = drafts.office_unit_id);

-- 核稿 per office (《党政机关公文处理工作条例》第十九条): 1 reviewed, 0 not, NULL the
-- deployment's default (SHUANGDA_DOCUMENT_REVIEW).
ALTER TABLE units ADD COLUMN document_review INTEGER;
