ALTER TABLE subsidy_recipients DROP COLUMN own_amount;
ALTER TABLE organisations DROP COLUMN time_zone;
