-- Reverts 0011_scheduled_runs_by_deployment_index.sql.
DROP INDEX ix_flow_run_scheduled_by_deployment;
