-- R20: a document's event (a claim paid, an advance paid or returned, a batch paid) is booked
-- once; a correction is a reversing voucher, which names what it reverses and is itself unique
-- per voucher reversed. The database refuses a second booking whatever the caller checked.
CREATE UNIQUE INDEX vouchers_once_per_event ON vouchers (org_id, source_type, source_id, event)
    WHERE reverses IS NULL;
