-- The trigger engine's durable state (automations/engine_store.h), written in the same
-- transaction as the cursor that says which stored events it has evaluated, so a restart
-- or a hand-over to another replica neither loses a partly-filled window nor fires twice:
-- open buckets per (automation, trigger, for_each key) as Prefect's automation_bucket;
-- the child firings composite triggers collected; the cursor over the event table by
-- received time, plus the ids evaluated in the last moments (events commit slightly out of
-- received order); and the actions fired and not yet done (an outbox). Portable SQL.
-- Expand-only: new tables and an index on event(received).
CREATE TABLE automation_bucket (
  automation_id TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  bucketing_key TEXT NOT NULL,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  count BIGINT NOT NULL,
  last_event TEXT,
  PRIMARY KEY (automation_id, trigger_id, bucketing_key)
);
CREATE TABLE automation_child_firing (
  automation_id TEXT NOT NULL,
  parent_trigger_id TEXT NOT NULL,
  child_trigger_id TEXT NOT NULL,
  triggered BIGINT NOT NULL,
  firing TEXT NOT NULL,
  PRIMARY KEY (automation_id, parent_trigger_id, child_trigger_id)
);
CREATE TABLE automation_event_cursor (
  name TEXT PRIMARY KEY,
  received BIGINT NOT NULL,
  generation BIGINT NOT NULL
);
CREATE TABLE automation_seen_event (
  event_id TEXT PRIMARY KEY,
  received BIGINT NOT NULL
);
CREATE INDEX ix_automation_seen_event_received ON automation_seen_event(received);
CREATE TABLE automation_action_outbox (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX ix_automation_action_outbox_created ON automation_action_outbox(created);
CREATE INDEX ix_event_received ON event(received);
