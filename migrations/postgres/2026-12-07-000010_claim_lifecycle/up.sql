-- R17: claims through their life. A claim may be withdrawn by its claimant before any decision,
-- and may amend an earlier (rejected or withdrawn) claim; drafts live apart, in claim_drafts.
ALTER TABLE travel_claims DROP CONSTRAINT travel_claims_status_check;
ALTER TABLE travel_claims ADD CONSTRAINT travel_claims_status_check
    CHECK (status IN ('submitted', 'approved', 'rejected', 'paid', 'withdrawn'));
-- R17: the rejected or withdrawn claim this one amends.
ALTER TABLE travel_claims ADD COLUMN amends BIGINT;

-- One live claim per request: a rejected or withdrawn claim frees the request for another.
DROP INDEX travel_claims_one_per_request;
CREATE UNIQUE INDEX travel_claims_one_per_request ON travel_claims (org_id, travel_request_id)
    WHERE travel_request_id IS NOT NULL AND status NOT IN ('rejected', 'withdrawn');
-- A claim is amended once: by one draft, and then by the one claim that draft became.
CREATE UNIQUE INDEX travel_claims_amends ON travel_claims (org_id, amends)
    WHERE amends IS NOT NULL;

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
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, claimant_id) REFERENCES users (org_id, id)
);
CREATE INDEX claim_drafts_claimant ON claim_drafts (org_id, claimant_id, id);
CREATE UNIQUE INDEX claim_drafts_amends ON claim_drafts (org_id, amends) WHERE amends IS NOT NULL;
