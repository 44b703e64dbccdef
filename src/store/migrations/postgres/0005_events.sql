-- PostgreSQL mirror of sqlite/0005_events.sql (BIGINT for INTEGER, DOUBLE PRECISION for REAL).
-- Events as received (the whole ReceivedEvent document in `doc`), plus one row per
-- resource and related resource for filtering by resource id, role and labels.
CREATE TABLE event (
  id TEXT PRIMARY KEY,
  occurred BIGINT NOT NULL,
  received BIGINT NOT NULL,
  event TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  follows TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX ix_event_occurred ON event(occurred);
CREATE INDEX ix_event_event_occurred ON event(event, occurred);
CREATE INDEX ix_event_resource_id_occurred ON event(resource_id, occurred);

CREATE TABLE event_resource (
  event_id TEXT NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  occurred BIGINT NOT NULL,
  resource_id TEXT NOT NULL,
  resource_role TEXT NOT NULL,               -- '' for the primary resource
  resource TEXT NOT NULL,                    -- JSON label map
  PRIMARY KEY (event_id, resource_id, resource_role)
);
CREATE INDEX ix_event_resource_resource_id_occurred ON event_resource(resource_id, occurred);
