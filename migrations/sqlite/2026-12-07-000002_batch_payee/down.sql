ALTER TABLE subsidy_items DROP COLUMN bank_account;
ALTER TABLE subsidy_items DROP COLUMN bank_name;
ALTER TABLE subsidy_items DROP COLUMN id_number;
ALTER TABLE subsidy_items DROP COLUMN payee_copied;
