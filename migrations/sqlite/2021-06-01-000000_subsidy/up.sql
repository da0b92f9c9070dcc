-- R9 retired-cadre subsidy: recipients, semiannual batches and their recipient-month items.

CREATE TABLE subsidy_recipients (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    monthly_fen BIGINT NOT NULL CHECK (monthly_fen > 0),
    enrolled_from TEXT NOT NULL,
    enrolled_until TEXT,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    CHECK (enrolled_until IS NULL OR enrolled_until >= enrolled_from)
);

CREATE TABLE subsidy_batches (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    budget_line_id BIGINT NOT NULL,
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    half INTEGER NOT NULL CHECK (half IN (1, 2)),
    supplementary BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'paid', 'void')),
    total_fen BIGINT NOT NULL CHECK (total_fen > 0),
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    approved_by BIGINT,
    approved_at TEXT,
    paid_on TEXT,
    on_time BOOLEAN,
    paid_by BIGINT,
    paid_at TEXT,
    voided_by BIGINT,
    voided_at TEXT,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, budget_line_id) REFERENCES budget_lines (org_id, id),
    -- Four eyes, as the database sees it too.
    CHECK (approved_by IS NULL OR approved_by <> created_by)
);
-- One regular (non-supplementary) batch per line and half-year unless it is void.
CREATE UNIQUE INDEX subsidy_batches_one_regular ON subsidy_batches (org_id, budget_line_id, year, half)
    WHERE status <> 'void' AND supplementary = 0;
CREATE INDEX subsidy_batches_line ON subsidy_batches (org_id, budget_line_id, year, half);

CREATE TABLE subsidy_items (
    org_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id BIGINT NOT NULL,
    recipient_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    days_enrolled INTEGER NOT NULL,
    days_in_month INTEGER NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    -- True while the batch is approved or paid: the recipient-month is then taken for ever.
    live BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, batch_id) REFERENCES subsidy_batches (org_id, id),
    FOREIGN KEY (org_id, recipient_id) REFERENCES subsidy_recipients (org_id, id),
    CHECK (days_enrolled BETWEEN 1 AND days_in_month)
);
CREATE INDEX subsidy_items_batch ON subsidy_items (org_id, batch_id, recipient_id, month);
-- R9 "a recipient-month is paid at most once, ever", enforced by the database.
CREATE UNIQUE INDEX subsidy_items_once ON subsidy_items (org_id, recipient_id, year, month) WHERE live = 1;
