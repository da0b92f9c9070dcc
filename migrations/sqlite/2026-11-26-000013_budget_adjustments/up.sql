-- R14: budget adjustments (预算调整). A line keeps the allocation it started the year with beside
-- the adjusted one, and the ledger gains signed `adjust` entries.
ALTER TABLE budget_lines ADD COLUMN original_allocated_fen BIGINT NOT NULL DEFAULT 0
    CHECK (original_allocated_fen >= 0);
UPDATE budget_lines SET original_allocated_fen = allocated_fen;

-- SQLite cannot alter a CHECK: the ledger is rebuilt with the new one, entries and ids unchanged.
DROP TRIGGER ledger_entries_no_update;
DROP TRIGGER ledger_entries_no_delete;
CREATE TABLE ledger_entries_r14 (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    source_type TEXT NOT NULL,
    source_id BIGINT,
    actor_id BIGINT,
    at TEXT NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, line_id) REFERENCES budget_lines (org_id, id),
    CONSTRAINT ledger_entries_kind_amount CHECK (
        (kind IN ('allocate', 'commit', 'release', 'spend') AND amount_fen > 0)
        OR (kind = 'adjust' AND amount_fen <> 0)
    )
);
INSERT INTO ledger_entries_r14 (org_id, id, line_id, kind, amount_fen, source_type, source_id, actor_id, at)
    SELECT org_id, id, line_id, kind, amount_fen, source_type, source_id, actor_id, at FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_r14 RENAME TO ledger_entries;
CREATE INDEX ledger_entries_line ON ledger_entries (org_id, line_id, id);
CREATE INDEX ledger_entries_source ON ledger_entries (org_id, source_type, source_id);
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only: UPDATE refused');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE refused');
END;

CREATE TABLE budget_adjustments (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('supplement', 'reduce', 'transfer')),
    line_id BIGINT NOT NULL,
    from_line_id BIGINT,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    reason TEXT NOT NULL,
    document_no TEXT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    requested_by BIGINT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by BIGINT,
    decided_at TEXT,
    reject_reason TEXT,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, line_id) REFERENCES budget_lines (org_id, id),
    FOREIGN KEY (org_id, from_line_id) REFERENCES budget_lines (org_id, id),
    CHECK ((kind = 'transfer') = (from_line_id IS NOT NULL)),
    CHECK (from_line_id IS NULL OR from_line_id <> line_id)
);
CREATE INDEX budget_adjustments_year ON budget_adjustments (org_id, year, id);
CREATE INDEX budget_adjustments_status ON budget_adjustments (org_id, status, id);

-- R15: the invoices of live claims (submitted, approved or paid). The key makes an invoice belong
-- to at most one of them per organisation; a rejected claim's rows are deleted, freeing them.
CREATE TABLE claim_invoices (
    org_id BIGINT NOT NULL,
    -- '' for an all-electronic invoice, which has no code.
    invoice_code TEXT NOT NULL,
    invoice_no TEXT NOT NULL,
    claim_id BIGINT NOT NULL,
    field TEXT NOT NULL,
    PRIMARY KEY (org_id, invoice_code, invoice_no),
    FOREIGN KEY (org_id, claim_id) REFERENCES travel_claims (org_id, id)
);
CREATE INDEX claim_invoices_claim ON claim_invoices (org_id, claim_id);
