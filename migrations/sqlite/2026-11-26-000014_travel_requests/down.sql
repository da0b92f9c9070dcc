DROP INDEX travel_claims_one_per_request;
ALTER TABLE travel_claims DROP COLUMN advance_returned_by;
ALTER TABLE travel_claims DROP COLUMN advance_returned_on;
ALTER TABLE travel_claims DROP COLUMN travel_request_id;
DROP TABLE travel_requests;
