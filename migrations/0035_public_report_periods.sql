-- An office's own handling periods for public reports (issue #14: configurable per office),
-- as JSON of `public_reports::flow::Periods`; NULL takes the deployment's (`[public_reports]`,
-- by default those of 《市场监督管理投诉举报处理暂行办法》).
ALTER TABLE units ADD COLUMN public_report_periods TEXT;
