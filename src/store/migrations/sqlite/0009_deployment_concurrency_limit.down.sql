ALTER TABLE deployment DROP COLUMN concurrency_limit_id;
