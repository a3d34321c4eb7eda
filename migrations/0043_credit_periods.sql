-- An office's own disclosure and listing periods (issue #15: "configurable per office"; "the
-- office must be able to set the periods it applies"), as JSON of
-- `penalties::settings::CreditPeriods`; NULL takes the deployment's (`[penalties]` and
-- `[listings]`, by default those of 国发〔2014〕6号 and SAMR Orders 44 and 45).
ALTER TABLE units ADD COLUMN credit_periods TEXT;
