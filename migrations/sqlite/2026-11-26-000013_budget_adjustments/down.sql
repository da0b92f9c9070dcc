DROP TABLE claim_invoices;
DROP TABLE budget_adjustments;
-- The ledger keeps the R14 CHECK: rebuilding it back would refuse any adjust entry written since.
ALTER TABLE budget_lines DROP COLUMN original_allocated_fen;
