DROP TABLE account_map;
DROP TABLE voucher_lines;
DROP TABLE vouchers;
DROP TABLE voucher_counters;
ALTER TABLE budget_lines DROP COLUMN economic_class;
ALTER TABLE budget_lines DROP COLUMN function_class;
