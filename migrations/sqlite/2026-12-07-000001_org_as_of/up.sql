-- The organisation's books as of a fixed day: NULL keeps the real clock (every organisation in
-- use); a day pins "today" (waiting days, payment windows, business stamps) to it, as the demo's
-- 2021 is told.
ALTER TABLE organisations ADD COLUMN as_of TEXT;
