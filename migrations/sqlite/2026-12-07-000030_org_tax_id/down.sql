ALTER TABLE organisations DROP COLUMN tax_id;
