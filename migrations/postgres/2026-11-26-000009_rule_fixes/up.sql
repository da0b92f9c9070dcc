-- R12: each organisation's calendar day ("today", deadlines) is in its own time zone (IANA name).
ALTER TABLE organisations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai';

-- R9: a recipient without an amount of their own earns, each month, the policy's amount in force on
-- that month's first day. Recipients stored before this keep the amount they were given.
ALTER TABLE subsidy_recipients ADD COLUMN own_amount BOOLEAN NOT NULL DEFAULT TRUE;
