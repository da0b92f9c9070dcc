-- R19: the organisation's 统一社会信用代码 (18 characters, GB 32100-2015), the buyer an e-invoice
-- must name. NULL until an admin sets it: no invoice file can be read before then.
ALTER TABLE organisations ADD COLUMN tax_id TEXT;
