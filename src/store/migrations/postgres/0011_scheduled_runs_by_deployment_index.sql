-- The scheduler asks, per deployment, how many scheduled runs it already has and how far
-- ahead they reach. Without this index the planner answered from the state_type indexes,
-- reading every scheduled run of every deployment on each pass (quadratic over a pass of
-- thousands of deployments). Partial, so it holds only the runs still waiting to start.
-- Expand-only.
CREATE INDEX ix_flow_run_scheduled_by_deployment ON flow_run(deployment_id, next_scheduled_start_time)
  WHERE state_type = 'SCHEDULED';
