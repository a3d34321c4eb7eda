-- The enterprise record (企业诚信档案, seed 002 (六)1; issue #15) reads every penalty decision
-- against a credit code, whatever its publication's state, the latest first. The index of
-- migration 0037 holds published decisions only, so without this one the lookup scanned the
-- whole table.
CREATE INDEX penalty_decisions_code_idx ON penalty_decisions (credit_code, decided_on, id);
