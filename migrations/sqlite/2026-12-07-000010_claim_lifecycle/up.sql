-- R17: claims through their life. A claim may be withdrawn by its claimant before any decision,
-- and may amend an earlier (rejected or withdrawn) claim; drafts live apart, in claim_drafts.
--
-- SQLite cannot alter a CHECK: travel_claims is built again with the new status and column, in
-- this migration's transaction. The invoices that reference the claims are set aside while the
-- old table is dropped (dropping a parent with children counts as deleting it, even with the
-- foreign keys deferred), and put back once the new table has taken its name.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE claim_invoices_kept AS SELECT * FROM claim_invoices;
DELETE FROM claim_invoices;
CREATE TEMP TABLE travel_claims_sequence_kept AS
    SELECT seq FROM sqlite_sequence WHERE name = 'travel_claims';

CREATE TABLE travel_claims_rebuilt (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claimant_id BIGINT NOT NULL,
    budget_line_id BIGINT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('submitted', 'approved', 'rejected', 'paid', 'withdrawn')),
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
    travel_request_id BIGINT,
    -- When finance recorded the traveller's return of an advance the claim did not use up.
    advance_returned_on TEXT,
    advance_returned_by BIGINT,
    -- R17: the rejected or withdrawn claim this one amends.
    amends BIGINT,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, claimant_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, budget_line_id) REFERENCES budget_lines (org_id, id),
    FOREIGN KEY (org_id, policy_version_id) REFERENCES policy_versions (org_id, id)
);
INSERT INTO travel_claims_rebuilt (org_id, id, claimant_id, budget_line_id, status, purpose,
    destination, departure_date, return_date, policy_version_id, request, breakdown,
    reimbursable_fen, self_borne_fen, submitted_at, decided_by, decided_at, reject_reason,
    paid_on, paid_by, paid_at, travel_request_id, advance_returned_on, advance_returned_by)
SELECT org_id, id, claimant_id, budget_line_id, status, purpose,
    destination, departure_date, return_date, policy_version_id, request, breakdown,
    reimbursable_fen, self_borne_fen, submitted_at, decided_by, decided_at, reject_reason,
    paid_on, paid_by, paid_at, travel_request_id, advance_returned_on, advance_returned_by
FROM travel_claims;
DROP TABLE travel_claims;
ALTER TABLE travel_claims_rebuilt RENAME TO travel_claims;

-- An id once handed out (to a claim or a draft) is never handed out again.
DELETE FROM sqlite_sequence WHERE name = 'travel_claims';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'travel_claims', MAX(seq) FROM (
        SELECT seq FROM travel_claims_sequence_kept
        UNION ALL SELECT COALESCE(MAX(id), 0) FROM travel_claims
    );
DROP TABLE travel_claims_sequence_kept;

CREATE INDEX travel_claims_status ON travel_claims (org_id, status, id);
CREATE INDEX travel_claims_claimant ON travel_claims (org_id, claimant_id, id);
CREATE INDEX travel_claims_line ON travel_claims (org_id, budget_line_id);
-- One live claim per request: a rejected or withdrawn claim frees the request for another.
CREATE UNIQUE INDEX travel_claims_one_per_request ON travel_claims (org_id, travel_request_id)
    WHERE travel_request_id IS NOT NULL AND status NOT IN ('rejected', 'withdrawn');
-- A claim is amended once: by one draft, and then by the one claim that draft became.
CREATE UNIQUE INDEX travel_claims_amends ON travel_claims (org_id, amends)
    WHERE amends IS NOT NULL;

INSERT INTO claim_invoices SELECT * FROM claim_invoices_kept;
DROP TABLE claim_invoices_kept;

-- R17: a claim saved before it is submitted: any part of a claim body, as sent, unchecked. Its id
-- is taken from the claims' own sequence, so that submitting draft #N makes claim #N.
CREATE TABLE claim_drafts (
    org_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    claimant_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    amends BIGINT,
    copied_from BIGINT,
    travel_request_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, claimant_id) REFERENCES users (org_id, id)
);
CREATE INDEX claim_drafts_claimant ON claim_drafts (org_id, claimant_id, id);
CREATE UNIQUE INDEX claim_drafts_amends ON claim_drafts (org_id, amends) WHERE amends IS NOT NULL;
