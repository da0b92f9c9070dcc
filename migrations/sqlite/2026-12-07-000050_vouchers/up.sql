-- R20: every payment booked as a 记账凭证 in the two parallel ledgers of the 政府会计制度
-- (财务会计 and 预算会计), written in the transaction of the payment itself.

-- A budget line's 功能分类 and 经济分类, where the organisation has set them: an expense line of a
-- voucher carries them.
ALTER TABLE budget_lines ADD COLUMN function_class TEXT;
ALTER TABLE budget_lines ADD COLUMN economic_class TEXT;

-- The next number of each organisation's month: taken and raised in the transaction that writes
-- the voucher (one upsert, the row locked until it commits), so numbers have no gap and no twin
-- however many processes pay at once.
CREATE TABLE voucher_counters (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    next INTEGER NOT NULL CHECK (next >= 2),
    PRIMARY KEY (org_id, year, month)
);

-- A voucher, never edited: a correction is a reversing voucher naming the one it reverses.
CREATE TABLE vouchers (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    seq INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 9999),
    date TEXT NOT NULL,
    -- claim_paid, advance_paid, advance_returned, subsidy_paid, reversal
    event TEXT NOT NULL,
    summary TEXT NOT NULL,
    attachments INTEGER NOT NULL CHECK (attachments >= 0),
    -- travel_claim, travel_request, subsidy_batch
    source_type TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    reverses BIGINT,
    made_by BIGINT,
    made_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, year, month, seq),
    -- A voucher is reversed at most once.
    UNIQUE (org_id, reverses),
    FOREIGN KEY (org_id, reverses) REFERENCES vouchers (org_id, id)
);
CREATE INDEX vouchers_by_date ON vouchers (org_id, date, id);
CREATE INDEX vouchers_by_source ON vouchers (org_id, source_type, source_id);

CREATE TABLE voucher_lines (
    org_id BIGINT NOT NULL,
    voucher_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    ledger TEXT NOT NULL CHECK (ledger IN ('financial', 'budgetary')),
    -- What the line stands for in the event (expense, payment, advance, budget_expense,
    -- budget_payment), whatever account the organisation maps it to: verify reads it.
    role TEXT NOT NULL,
    account_code TEXT NOT NULL CHECK (account_code <> ''),
    account_name TEXT NOT NULL,
    debit_fen BIGINT NOT NULL CHECK (debit_fen >= 0),
    credit_fen BIGINT NOT NULL CHECK (credit_fen >= 0),
    budget_line_id BIGINT,
    project TEXT,
    function_class TEXT,
    economic_class TEXT,
    PRIMARY KEY (org_id, voucher_id, seq),
    FOREIGN KEY (org_id, voucher_id) REFERENCES vouchers (org_id, id),
    -- Exactly one side of a line carries money.
    CONSTRAINT voucher_lines_one_side CHECK ((debit_fen > 0) <> (credit_fen > 0))
);

-- An organisation's own accounts for an event's roles (its 明细 subaccounts, or the 财政直接支付
-- accounts); a role with no row here reads config/default-data/account-map.toml.
CREATE TABLE account_map (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    event TEXT NOT NULL,
    role TEXT NOT NULL,
    account_code TEXT NOT NULL CHECK (account_code <> ''),
    account_name TEXT NOT NULL,
    PRIMARY KEY (org_id, event, role)
);
