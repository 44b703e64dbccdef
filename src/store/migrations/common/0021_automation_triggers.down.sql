DROP INDEX ix_event_received;
DROP TABLE automation_action_outbox;
DROP TABLE automation_seen_event;
DROP TABLE automation_event_cursor;
DROP TABLE automation_child_firing;
DROP TABLE automation_bucket;
