ALTER TABLE organisations DROP COLUMN as_of;
