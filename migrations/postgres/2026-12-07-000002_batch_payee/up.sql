-- A batch pays the details its approver saw: each item keeps the recipient's identity number,
-- bank and account as they were when the batch was made, and the treasury's file writes these,
-- so a change of a recipient's details after approval cannot redirect the money. Items made
-- before this (payee_copied false) read the recipient's current details, as they always did.
ALTER TABLE subsidy_items ADD COLUMN payee_copied BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE subsidy_items ADD COLUMN id_number TEXT;
ALTER TABLE subsidy_items ADD COLUMN bank_name TEXT;
ALTER TABLE subsidy_items ADD COLUMN bank_account TEXT;
