DROP TABLE claim_invoices;
DROP TABLE budget_adjustments;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_amount;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
    CHECK (kind IN ('allocate', 'commit', 'release', 'spend'));
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_amount_fen_check CHECK (amount_fen > 0);
ALTER TABLE budget_lines DROP COLUMN original_allocated_fen;
