-- R16: a trip approved before it is taken (出差申请), its estimate committed to the line, and the
-- advance (借款) the traveller may borrow for it, settled by the claim that names the request.
CREATE TABLE travel_requests (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id BIGINT NOT NULL,
    budget_line_id BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'cancelled')),
    purpose TEXT NOT NULL,
    destination TEXT NOT NULL,
    departure_date TEXT NOT NULL,
    return_date TEXT NOT NULL,
    travellers INTEGER NOT NULL CHECK (travellers >= 1),
    policy_version_id BIGINT NOT NULL,
    tickets_estimate_fen BIGINT NOT NULL CHECK (tickets_estimate_fen >= 0),
    advance_requested_fen BIGINT CHECK (advance_requested_fen >= 0),
    estimate_fen BIGINT NOT NULL CHECK (estimate_fen >= 0),
    -- The explained estimate as computed at creation, as JSON: a later policy never changes it.
    estimate_lines TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_by BIGINT,
    decided_at TEXT,
    reject_reason TEXT,
    -- Claims naming the request that are not rejected: at most one (R16), and a request a claim
    -- names can no longer be cancelled.
    live_claims INTEGER NOT NULL DEFAULT 0 CHECK (live_claims BETWEEN 0 AND 1),
    advance_fen BIGINT,
    advance_paid_on TEXT,
    advance_paid_by BIGINT,
    advance_paid_at TEXT,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, requester_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, budget_line_id) REFERENCES budget_lines (org_id, id),
    FOREIGN KEY (org_id, policy_version_id) REFERENCES policy_versions (org_id, id),
    -- An advance is paid once, above 0 and never beyond the estimate.
    CONSTRAINT travel_requests_advance_within_estimate CHECK (
        advance_fen IS NULL OR (advance_fen > 0 AND advance_fen <= estimate_fen)
    )
);
CREATE INDEX travel_requests_status ON travel_requests (org_id, status, id);
CREATE INDEX travel_requests_requester ON travel_requests (org_id, requester_id, id);

ALTER TABLE travel_claims ADD COLUMN travel_request_id BIGINT;
-- When finance recorded the traveller's return of an advance the claim did not use up.
ALTER TABLE travel_claims ADD COLUMN advance_returned_on TEXT;
ALTER TABLE travel_claims ADD COLUMN advance_returned_by BIGINT;
-- One live claim per request: a rejected claim frees the request for another.
CREATE UNIQUE INDEX travel_claims_one_per_request ON travel_claims (org_id, travel_request_id)
    WHERE travel_request_id IS NOT NULL AND status <> 'rejected';
