DROP TABLE claim_drafts;
DROP INDEX travel_claims_amends;
DROP INDEX travel_claims_one_per_request;
CREATE UNIQUE INDEX travel_claims_one_per_request ON travel_claims (org_id, travel_request_id)
    WHERE travel_request_id IS NOT NULL AND status <> 'rejected';
ALTER TABLE travel_claims DROP COLUMN amends;
ALTER TABLE travel_claims DROP CONSTRAINT travel_claims_status_check;
ALTER TABLE travel_claims ADD CONSTRAINT travel_claims_status_check
    CHECK (status IN ('submitted', 'approved', 'rejected', 'paid'));
