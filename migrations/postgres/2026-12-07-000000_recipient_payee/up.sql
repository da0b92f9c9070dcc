-- The treasury's disbursement file (代发) pays a person by identity number, bank and account.
-- Nullable: recipients enrolled before these were asked for, and API clients that do not send
-- them, keep working; the batch page says who still lacks them.
ALTER TABLE subsidy_recipients ADD COLUMN id_number TEXT;
ALTER TABLE subsidy_recipients ADD COLUMN bank_name TEXT;
ALTER TABLE subsidy_recipients ADD COLUMN bank_account TEXT;
