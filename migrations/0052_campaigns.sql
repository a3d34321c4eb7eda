-- Special campaigns and joint enforcement actions (issue #22; seeds 002 (一)1, (四)1, (四)3,
-- 004 一(一)). A campaign is launched by an office (`office_unit_id`) with its goal, period,
-- regions (comma-separated GB/T 2260 codes), the key products and rights it targets
-- (comma-separated codes), its lead unit and participating units; the office, the lead and the
-- participants are the record's parties (`record_parties`, resource 'campaign').
CREATE TABLE campaigns (
    id {{PK}},
    office_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    goal TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    regions TEXT NOT NULL,
    products TEXT NOT NULL,
    rights TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    due_working_days BIGINT NOT NULL,
    -- under_way | concluded
    state TEXT NOT NULL,
    conclusion TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX campaigns_starts_idx ON campaigns (starts_on, id);

-- The reporting stages: the last day of each, the campaign's end last; the due date computed
-- on the deadline engine when the campaign was launched (each report's clock is the source).
CREATE TABLE campaign_stages (
    id {{PK}},
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    seq BIGINT NOT NULL,
    label TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    due_on TEXT NOT NULL
);
CREATE UNIQUE INDEX campaign_stages_uq ON campaign_stages (campaign_id, seq);

-- Each participating unit's report for a stage (parties: resource 'campaign_report', the unit
-- as 'reporter' and the office as 'office'), on its clock.
CREATE TABLE campaign_reports (
    id {{PK}},
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    stage_id BIGINT NOT NULL REFERENCES campaign_stages(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- draft | submitted
    state TEXT NOT NULL,
    deadline_id BIGINT REFERENCES deadlines(id),
    actions TEXT,
    submitted_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX campaign_reports_uq ON campaign_reports (stage_id, unit_id);
CREATE INDEX campaign_reports_campaign_idx ON campaign_reports (campaign_id, stage_id);

-- The figures of a report (the campaign's fixed indicators; money in fen).
CREATE TABLE campaign_figures (
    report_id BIGINT NOT NULL REFERENCES campaign_reports(id),
    code TEXT NOT NULL,
    value BIGINT,
    PRIMARY KEY (report_id, code)
);

-- Joint enforcement actions (联合执法行动): one recording unit, two or more units taking part,
-- each with its part (`joint_action_parts`); each unit is a party (resource 'joint_action':
-- 'recorder' or 'partner'). Optionally within a campaign. The results in figures, counted once.
CREATE TABLE joint_actions (
    id {{PK}},
    campaign_id BIGINT REFERENCES campaigns(id),
    recording_unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    target TEXT NOT NULL,
    results TEXT NOT NULL,
    -- recorded | withdrawn
    state TEXT NOT NULL,
    withdraw_reason TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX joint_actions_campaign_idx ON joint_actions (campaign_id, held_on);
CREATE INDEX joint_actions_held_idx ON joint_actions (held_on, id);

CREATE TABLE joint_action_parts (
    action_id BIGINT NOT NULL REFERENCES joint_actions(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    part TEXT NOT NULL,
    PRIMARY KEY (action_id, unit_id)
);

CREATE TABLE joint_action_figures (
    action_id BIGINT NOT NULL REFERENCES joint_actions(id),
    code TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (action_id, code)
);
