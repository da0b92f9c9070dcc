-- R17: files on a claim (scans, photos, e-invoice files), kept in the database so that every
-- instance and every backup sees the same bytes. No foreign key to travel_claims: a draft's files
-- live here too, and a draft's id is the id its claim will have.
CREATE TABLE claim_attachments (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id BIGINT NOT NULL,
    -- At most 30 files a claim: each holds one of its 30 places, and the key below gives a place
    -- once, so no write, however it races, stores a 31st.
    slot INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 30),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL
        CHECK (media_type IN ('application/pdf', 'application/ofd', 'application/xml', 'image/jpeg', 'image/png')),
    size BIGINT NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    -- SHA-256 of the content, lowercase hex.
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    content BLOB NOT NULL,
    added_by BIGINT NOT NULL,
    added_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    -- The same file once a claim.
    UNIQUE (org_id, claim_id, sha256),
    UNIQUE (org_id, claim_id, slot),
    FOREIGN KEY (org_id, added_by) REFERENCES users (org_id, id)
);
