-- Penalty decisions (行政处罚决定) recorded by the deciding organ and their disclosure (issue
-- #15; seed 002 (七)2; 国发〔2014〕6号; SAMR Order 45, 2021). `state` is the publication's
-- (pending → reviewed → published → taken_down, or not_published); `decision_state` what became
-- of the decision (effective, revoked, changed, annulled, illegal). What was published is kept
-- as published (`published_json`), so the history stays for the office after it comes down.
CREATE TABLE penalty_decisions (
    id {{PK}},
    number TEXT NOT NULL,
    organ_unit_id BIGINT NOT NULL REFERENCES units(id),
    case_id BIGINT REFERENCES cases(id),
    party_kind TEXT NOT NULL,
    party_name TEXT NOT NULL,
    credit_code TEXT,
    resident_id TEXT,
    legal_representative TEXT,
    party_address TEXT,
    facts TEXT NOT NULL,
    provisions TEXT NOT NULL,
    kinds TEXT NOT NULL,
    fine_fen BIGINT,
    confiscated_fen BIGINT,
    penalty TEXT NOT NULL,
    basis TEXT NOT NULL,
    procedure_kind TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    other_persons TEXT NOT NULL,
    trade_secrets TEXT NOT NULL,
    state TEXT NOT NULL,
    decision_state TEXT NOT NULL,
    out_of_scope TEXT,
    exemption TEXT,
    exemption_reason TEXT,
    revoked_on TEXT,
    revoke_reason TEXT,
    extra_redactions TEXT,
    published_on TEXT,
    display_until TEXT,
    published_json TEXT,
    taken_down_on TEXT,
    takedown_note TEXT,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One decision number per organ: a second record of the same decision is refused, also when two
-- are sent at once.
CREATE UNIQUE INDEX penalty_decisions_number_uq ON penalty_decisions (organ_unit_id, number);
-- The public lookup reads published decisions only, by credit code or newest first.
CREATE INDEX penalty_decisions_public_code_idx ON penalty_decisions (credit_code, published_on) WHERE state = 'published';
CREATE INDEX penalty_decisions_public_idx ON penalty_decisions (published_on, id) WHERE state = 'published';

CREATE TABLE penalty_events (
    id {{PK}},
    decision_id BIGINT NOT NULL REFERENCES penalty_decisions(id),
    step TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    unit_id BIGINT,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX penalty_events_decision_idx ON penalty_events (decision_id, id);
