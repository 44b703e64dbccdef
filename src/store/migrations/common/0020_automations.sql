-- Automations (Prefect's Automation and AutomationRelatedResource). The trigger and the three
-- action lists are JSON documents as the API returns them, after validation and defaults.
-- A related resource is a deployment an automation's run-deployment action selects, or the
-- resource that owns the automation (`owned_by_resource`: a deployment's `triggers:`).
-- Portable SQL for both dialects. Expand-only.
CREATE TABLE automation (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  enabled BIGINT NOT NULL DEFAULT 1,
  tags TEXT NOT NULL DEFAULT '[]',
  "trigger" TEXT NOT NULL,
  actions TEXT NOT NULL,
  actions_on_trigger TEXT NOT NULL DEFAULT '[]',
  actions_on_resolve TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX ix_automation_name ON automation(name);
CREATE INDEX ix_automation_created ON automation(created);

CREATE TABLE automation_related_resource (
  automation_id TEXT NOT NULL REFERENCES automation(id) ON DELETE CASCADE,
  resource_id TEXT NOT NULL,
  owned_by_resource BIGINT NOT NULL DEFAULT 0,
  created BIGINT NOT NULL,
  PRIMARY KEY (automation_id, resource_id)
);
CREATE INDEX ix_automation_related_resource_resource_id ON automation_related_resource(resource_id);
