DROP TABLE subsidy_items;
DROP TABLE subsidy_batches;
DROP TABLE subsidy_recipients;
