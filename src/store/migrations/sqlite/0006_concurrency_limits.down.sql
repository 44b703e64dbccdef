-- Reverts 0006_concurrency_limits (the tables' indexes go with them).
DROP TABLE concurrency_lease;
DROP TABLE concurrency_limit_v2;
