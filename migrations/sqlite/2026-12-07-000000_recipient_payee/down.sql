ALTER TABLE subsidy_recipients DROP COLUMN bank_account;
ALTER TABLE subsidy_recipients DROP COLUMN bank_name;
ALTER TABLE subsidy_recipients DROP COLUMN id_number;
