-- PostgreSQL mirror of sqlite/0009_deployment_concurrency_limit.sql.
-- A deployment's concurrency limit is a concurrency_limit_v2 row (named "deployment:<id>")
-- that the deployment points at, as Prefect's deployment.concurrency_limit_id does.
-- Expand-only: older binaries ignore the column.
ALTER TABLE deployment ADD COLUMN concurrency_limit_id TEXT REFERENCES concurrency_limit_v2(id) ON DELETE SET NULL;
