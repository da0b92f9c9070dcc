-- The foundation: organisations, users, policy versions, the budget tree and its append-only
-- ledger, travel claims, the audit trail, idempotency keys and duty stations.
-- Every row belongs to an organisation; org_id leads every key and index so the tables can be
-- sharded by it (on PostgreSQL), and composite foreign keys keep references inside one organisation.
-- Money is integer fen (BIGINT, R1).

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    UNIQUE (org_id, id)
);
-- A request presents only its token, so this one lookup cannot start with org_id.
CREATE UNIQUE INDEX users_token_hash ON users (token_hash);

CREATE TABLE policy_versions (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    -- Host-meal deductions (R2) in basis points of the day's meal allowance.
    breakfast_bp INTEGER NOT NULL CHECK (breakfast_bp BETWEEN 0 AND 10000),
    lunch_bp INTEGER NOT NULL CHECK (lunch_bp BETWEEN 0 AND 10000),
    dinner_bp INTEGER NOT NULL CHECK (dinner_bp BETWEEN 0 AND 10000),
    subsidy_monthly_fen BIGINT NOT NULL CHECK (subsidy_monthly_fen > 0),
    created_by BIGINT,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, version),
    UNIQUE (org_id, effective_from)
);

CREATE TABLE policy_cities (
    org_id BIGINT NOT NULL,
    policy_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    -- Accepted names, one per line.
    names TEXT NOT NULL,
    lodging_cap_fen BIGINT NOT NULL CHECK (lodging_cap_fen >= 0),
    meal_fen BIGINT NOT NULL CHECK (meal_fen >= 0),
    transport_fen BIGINT NOT NULL CHECK (transport_fen >= 0),
    PRIMARY KEY (org_id, policy_id, code),
    FOREIGN KEY (org_id, policy_id) REFERENCES policy_versions (org_id, id)
);

CREATE TABLE budget_lines (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id BIGINT,
    depth INTEGER NOT NULL,
    -- allocated is the line's own; committed and spent include every descendant's (R11).
    allocated_fen BIGINT NOT NULL,
    committed_fen BIGINT NOT NULL DEFAULT 0,
    spent_fen BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, year, code),
    FOREIGN KEY (org_id, parent_id) REFERENCES budget_lines (org_id, id),
    -- The last word on overspending: no line, at any level, commits or spends beyond its allocation.
    CONSTRAINT budget_lines_never_overspent CHECK (
        allocated_fen >= 0 AND committed_fen >= 0 AND spent_fen >= 0
        AND committed_fen + spent_fen <= allocated_fen
    )
);
CREATE INDEX budget_lines_parent ON budget_lines (org_id, parent_id);

CREATE TABLE ledger_entries (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('allocate', 'commit', 'release', 'spend')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    source_type TEXT NOT NULL,
    source_id BIGINT,
    actor_id BIGINT,
    at TEXT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, line_id) REFERENCES budget_lines (org_id, id)
);
CREATE INDEX ledger_entries_line ON ledger_entries (org_id, line_id, id);
CREATE INDEX ledger_entries_source ON ledger_entries (org_id, source_type, source_id);

-- R11: the ledger is append-only. A correction is a new entry, never an edit.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only: UPDATE refused');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE refused');
END;

CREATE TABLE travel_claims (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claimant_id BIGINT NOT NULL,
    budget_line_id BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'paid')),
    purpose TEXT NOT NULL,
    destination TEXT NOT NULL,
    departure_date TEXT NOT NULL,
    return_date TEXT NOT NULL,
    policy_version_id BIGINT NOT NULL,
    -- The claim as submitted and the breakdown computed then, as JSON: a later policy never
    -- changes them (R2).
    request TEXT NOT NULL,
    breakdown TEXT NOT NULL,
    reimbursable_fen BIGINT NOT NULL CHECK (reimbursable_fen >= 0),
    self_borne_fen BIGINT NOT NULL CHECK (self_borne_fen >= 0),
    submitted_at TEXT NOT NULL,
    decided_by BIGINT,
    decided_at TEXT,
    reject_reason TEXT,
    paid_on TEXT,
    paid_by BIGINT,
    paid_at TEXT,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, claimant_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, budget_line_id) REFERENCES budget_lines (org_id, id),
    FOREIGN KEY (org_id, policy_version_id) REFERENCES policy_versions (org_id, id)
);
CREATE INDEX travel_claims_status ON travel_claims (org_id, status, id);
CREATE INDEX travel_claims_claimant ON travel_claims (org_id, claimant_id, id);
CREATE INDEX travel_claims_line ON travel_claims (org_id, budget_line_id);

-- Who did what, when: every status change of a claim (and later of batches).
CREATE TABLE audit_events (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    note TEXT,
    UNIQUE (org_id, id)
);
CREATE INDEX audit_events_entity ON audit_events (org_id, entity_type, entity_id, id);

CREATE TABLE idempotency_keys (
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash TEXT NOT NULL,
    -- NULL while the first request is still running.
    response_status INTEGER,
    response_body TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (org_id, created_at);

CREATE TABLE duty_stations (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    budget_line_id BIGINT NOT NULL,
    daily_cost_override_fen BIGINT CHECK (daily_cost_override_fen > 0),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, name),
    FOREIGN KEY (org_id, budget_line_id) REFERENCES budget_lines (org_id, id)
);
