-- Foundation: organisation, accounts, sessions, tokens, audit trail, to-dos and notifications.
-- Written once for SQLite and PostgreSQL: {{PK}} and {{BLOB}} are expanded per dialect;
-- timestamps are UTC RFC 3339 text, flags are 0/1 integers.

CREATE TABLE units (
    id {{PK}},
    name TEXT NOT NULL,
    short_name TEXT,
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL,
    parent_id BIGINT REFERENCES units(id),
    phone TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX units_name_uq ON units (name);
CREATE INDEX units_region_idx ON units (region_code);
CREATE INDEX units_parent_idx ON units (parent_id);

CREATE TABLE users (
    id {{PK}},
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    phone TEXT,
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    password_changed_at TEXT NOT NULL,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_uq ON users (username);
CREATE INDEX users_unit_idx ON users (unit_id);

CREATE TABLE role_grants (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    granted_by BIGINT REFERENCES users(id),
    granted_at TEXT NOT NULL
);
CREATE UNIQUE INDEX role_grants_uq ON role_grants (user_id, role);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client_addr TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE UNIQUE INDEX api_tokens_hash_uq ON api_tokens (token_hash);

-- The audit trail is append-only and hash-chained: each record's hash covers its content and
-- the previous record's hash. audit_head holds the last sequence number and hash; updating it
-- first in every writing transaction serialises appends on both databases.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id BIGINT,
    actor_name TEXT NOT NULL,
    acting_unit_id BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    object_unit_id BIGINT,
    summary TEXT NOT NULL,
    request_id TEXT,
    client_addr TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_at_idx ON audit_log (at);
CREATE INDEX audit_actor_idx ON audit_log (actor_user_id);
CREATE INDEX audit_object_idx ON audit_log (object_type, object_id);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Which units are party to a record of a later capability (lead, assisting, sender, receiver,
-- task owner ...). Data scope filters read this table; see src/scope.rs.
CREATE TABLE record_parties (
    resource TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    party_role TEXT NOT NULL,
    PRIMARY KEY (resource, record_id, unit_id, party_role)
);
CREATE INDEX record_parties_unit_idx ON record_parties (unit_id, resource);

CREATE TABLE notifications (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at);

CREATE TABLE todo_items (
    id {{PK}},
    user_id BIGINT REFERENCES users(id),
    unit_id BIGINT REFERENCES units(id),
    title TEXT NOT NULL,
    link TEXT,
    due_date TEXT,
    urgent BIGINT NOT NULL DEFAULT 0,
    source_type TEXT,
    source_id BIGINT,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX todo_user_idx ON todo_items (user_id, done_at);
CREATE INDEX todo_unit_idx ON todo_items (unit_id, done_at);
