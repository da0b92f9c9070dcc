-- R18: approval steps. Each organisation signs claims along its own chain, an ordered subset of
-- department_head, finance, leader (finance always there), and asks its leader (单位负责人) only
-- for claims of at least leader_threshold_fen. The default, finance alone, is R11 as before.
ALTER TABLE organisations ADD COLUMN approval_steps TEXT NOT NULL DEFAULT 'finance';
ALTER TABLE organisations ADD COLUMN leader_threshold_fen BIGINT NOT NULL DEFAULT 0
    CHECK (leader_threshold_fen >= 0);

-- Departments (科室), one name once in an organisation.
CREATE TABLE departments (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, name)
);

-- SQLite adds no composite foreign key to an existing table; the service puts a user only in a
-- department of their own organisation.
ALTER TABLE users ADD COLUMN department_id BIGINT;
-- One head a department: a user with the role department_head in it.
CREATE UNIQUE INDEX users_one_head_a_department ON users (org_id, department_id)
    WHERE department_id IS NOT NULL AND (',' || roles || ',') LIKE '%,department_head,%';

-- A claim keeps the chain and threshold it was submitted under, and the claimant's department
-- then; `step` is the step waiting now (NULL when none is).
ALTER TABLE travel_claims ADD COLUMN approval_steps TEXT NOT NULL DEFAULT 'finance';
ALTER TABLE travel_claims ADD COLUMN leader_threshold_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE travel_claims ADD COLUMN department_id BIGINT;
ALTER TABLE travel_claims ADD COLUMN step TEXT
    CHECK (step IN ('department_head', 'finance', 'leader'));
UPDATE travel_claims SET step = 'finance' WHERE status = 'submitted';
-- The queues: what waits at a step, oldest first.
CREATE INDEX travel_claims_waiting ON travel_claims (org_id, step, submitted_at)
    WHERE step IS NOT NULL;

-- Each step of a claim decided once: approved or rejected by a person, or skipped (with the
-- reason in `note`). Nobody decides two steps of one claim.
CREATE TABLE claim_approvals (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id BIGINT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('department_head', 'finance', 'leader')),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected', 'skipped')),
    decided_by BIGINT,
    decided_at TEXT NOT NULL,
    note TEXT,
    CHECK ((decision = 'skipped') = (decided_by IS NULL)),
    UNIQUE (org_id, id),
    UNIQUE (org_id, claim_id, step),
    FOREIGN KEY (org_id, claim_id) REFERENCES travel_claims (org_id, id),
    FOREIGN KEY (org_id, decided_by) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX claim_approvals_four_eyes ON claim_approvals (org_id, claim_id, decided_by)
    WHERE decided_by IS NOT NULL;
