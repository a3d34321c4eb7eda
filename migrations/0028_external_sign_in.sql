-- Sign-in through the government's identity platform (OpenID Connect, LDAP). An external
-- identity is only linked to an account; roles stay granted inside the platform (三员分立).
CREATE TABLE external_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    linked_at TEXT NOT NULL,
    -- The system administrator who linked it; NULL when linked by the configured claim or
    -- created at first sign-in.
    linked_by BIGINT REFERENCES users(id),
    PRIMARY KEY (provider, subject)
);
-- One identity per provider per account.
CREATE UNIQUE INDEX external_identities_user_idx ON external_identities (user_id, provider);

-- OpenID Connect sign-ins under way: state (hashed), nonce and PKCE verifier, in the database so
-- the provider's callback may land on any instance. Taken (deleted) once, at the callback.
CREATE TABLE sign_in_pending (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    -- Hash of the random value in the browser's cookie: the callback must come from the
    -- browser that started the sign-in (no login CSRF).
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sign_in_pending_expires_idx ON sign_in_pending (expires_at);

-- Which provider a session came from, and its ID token for RP-initiated logout.
ALTER TABLE sessions ADD COLUMN provider TEXT;
ALTER TABLE sessions ADD COLUMN id_token TEXT;
