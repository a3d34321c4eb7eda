-- The serious-violation list (严重违法失信名单, seed 002 (六)2; SAMR Order 44, 2021) (issue #15):
-- a listing starts from an effective heavier penalty decision of the organ, the party told first
-- (`statement_due` ends its window), then the head's decision; it runs until `listed_until`,
-- may end early after credit repair, and is revoked when its penalty is.
CREATE TABLE credit_listings (
    id {{PK}},
    decision_id BIGINT NOT NULL REFERENCES penalty_decisions(id),
    organ_unit_id BIGINT NOT NULL REFERENCES units(id),
    party_name TEXT NOT NULL,
    credit_code TEXT,
    state TEXT NOT NULL,
    aggravated_fine BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    notified_on TEXT NOT NULL,
    statement_due TEXT NOT NULL,
    statement TEXT,
    hearing_requested BIGINT NOT NULL DEFAULT 0,
    decided_on TEXT,
    decision_reasons TEXT,
    listed_until TEXT,
    repair_from TEXT,
    repair_applied_on TEXT,
    repair_text TEXT,
    ended_on TEXT,
    end_reason TEXT,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One open listing per decision, also when two are proposed at once.
CREATE UNIQUE INDEX credit_listings_open_uq ON credit_listings (decision_id) WHERE state IN ('notified', 'listed');
CREATE INDEX credit_listings_code_idx ON credit_listings (credit_code);

-- The legal representative and the persons responsible, linked to the listing.
CREATE TABLE credit_listing_persons (
    id {{PK}},
    listing_id BIGINT NOT NULL REFERENCES credit_listings(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    resident_id TEXT
);
CREATE INDEX credit_listing_persons_idx ON credit_listing_persons (listing_id);

CREATE TABLE credit_listing_events (
    id {{PK}},
    listing_id BIGINT NOT NULL REFERENCES credit_listings(id),
    step TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX credit_listing_events_idx ON credit_listing_events (listing_id, id);
