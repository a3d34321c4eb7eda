-- The public lookup by a party's full name walks this index (issue #15): a substring match had
-- to read every published decision (about 3 s over 1,000,000; bench/RESULTS.md).
CREATE INDEX penalty_decisions_public_name_idx ON penalty_decisions (party_name, published_on) WHERE state = 'published';
CREATE INDEX credit_listings_name_idx ON credit_listings (party_name);
