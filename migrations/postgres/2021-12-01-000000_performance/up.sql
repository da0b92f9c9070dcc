-- R12 performance targets (绩效目标) per organisation, year and line, editable per year.
CREATE TABLE performance_targets (
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    year INTEGER NOT NULL,
    line_code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    comparator TEXT NOT NULL CHECK (comparator IN ('>=', '<=', '=')),
    -- A decimal number; NULL for an indicator reported without a target.
    target TEXT,
    -- For decided_on_time: days from submission to decision that count as on time.
    deadline_days INTEGER,
    PRIMARY KEY (org_id, year, line_code, indicator)
);
