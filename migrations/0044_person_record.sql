-- The person's record (个人诚信档案, seed 002 (六)1–2; issue #15), keyed by resident ID: the
-- penalty decisions against a person, the listings resting on them, and the listings on which a
-- person is linked as the legal representative or a person responsible, each found through an
-- index rather than a scan (the cases through `case_parties_code_idx` of migration 0005). Most
-- decisions and linked persons carry no resident ID, so the indexes hold only those that do.
CREATE INDEX penalty_decisions_resident_idx ON penalty_decisions (resident_id, decided_on, id) WHERE resident_id IS NOT NULL;
CREATE INDEX credit_listing_persons_resident_idx ON credit_listing_persons (resident_id, listing_id) WHERE resident_id IS NOT NULL;
CREATE INDEX credit_listings_decision_idx ON credit_listings (decision_id);
