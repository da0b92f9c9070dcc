-- Signing in to the web pages (web.md "Signing in"): a login and argon2id password per user,
-- server-side sessions stored by the SHA-256 of their random id, and failed attempts for throttling.

CREATE TABLE web_logins (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    user_id BIGINT NOT NULL,
    -- What a person types on the sign-in page; one person per login across the whole service.
    login TEXT NOT NULL,
    -- PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
    password_hash TEXT NOT NULL,
    -- A password someone else chose (the first admin's printed one) must be replaced at sign-in.
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX web_logins_login ON web_logins (login);

CREATE TABLE web_sessions (
    -- SHA-256 of the cookie's 256-bit random id; the id itself is never stored.
    id_hash TEXT PRIMARY KEY NOT NULL,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    -- Bound to this session: every state-changing form must carry it.
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- A one-time message for the next page (post/redirect/get).
    flash TEXT,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX web_sessions_user ON web_sessions (org_id, user_id);

CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- As typed (lower-cased), whether or not such a login exists.
    login TEXT NOT NULL,
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX sign_in_failures_login ON sign_in_failures (login, at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);
