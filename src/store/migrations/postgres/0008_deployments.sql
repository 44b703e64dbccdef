-- PostgreSQL mirror of sqlite/0008_deployments.sql (BIGINT for INTEGER, DOUBLE PRECISION for REAL).
-- Deployments and their schedules (Prefect's Deployment, DeploymentSchedule). Column names
-- are Prefect's field names; job_variables is Prefect's infra_overrides under its API name.
CREATE TABLE deployment (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  version TEXT,
  description TEXT,
  flow_id TEXT NOT NULL REFERENCES flow(id) ON DELETE CASCADE,
  paused BIGINT NOT NULL DEFAULT 0,
  concurrency_limit BIGINT,
  concurrency_options TEXT,                 -- JSON object or NULL
  job_variables TEXT NOT NULL DEFAULT '{}',
  parameters TEXT NOT NULL DEFAULT '{}',
  pull_steps TEXT,                          -- JSON array or NULL
  tags TEXT NOT NULL DEFAULT '[]',
  labels TEXT NOT NULL DEFAULT '{}',
  work_queue_name TEXT,
  work_queue_id TEXT REFERENCES work_queue(id) ON DELETE SET NULL,
  last_polled BIGINT,
  status TEXT NOT NULL DEFAULT 'NOT_READY',
  parameter_openapi_schema TEXT,            -- JSON object or NULL
  path TEXT,
  entrypoint TEXT,
  storage_document_id TEXT,
  infrastructure_document_id TEXT,
  created_by TEXT,
  updated_by TEXT,
  enforce_parameter_schema BIGINT NOT NULL DEFAULT 1,
  version_info TEXT
);
CREATE UNIQUE INDEX uq_deployment_flow_id_name ON deployment(flow_id, name);
CREATE INDEX ix_deployment_created ON deployment(created);
CREATE INDEX ix_deployment_work_queue_id ON deployment(work_queue_id);
CREATE INDEX ix_deployment_paused ON deployment(paused);

CREATE TABLE deployment_schedule (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  deployment_id TEXT NOT NULL REFERENCES deployment(id) ON DELETE CASCADE,
  schedule TEXT NOT NULL,                   -- Prefect's schedule JSON
  active BIGINT NOT NULL DEFAULT 1,
  max_scheduled_runs BIGINT,
  parameters TEXT NOT NULL DEFAULT '{}',
  slug TEXT
);
CREATE UNIQUE INDEX uq_deployment_schedule_deployment_id_slug ON deployment_schedule(deployment_id, slug);
CREATE INDEX ix_deployment_schedule_deployment_id ON deployment_schedule(deployment_id);
CREATE INDEX ix_deployment_schedule_slug ON deployment_schedule(slug);
