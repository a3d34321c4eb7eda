-- What the reporter says the report is about (商标、著作权、农资…; issue #14): the office's
-- default unit follows the duties of 003 四. NULL when the reporter did not say.
ALTER TABLE public_reports ADD COLUMN category TEXT;
