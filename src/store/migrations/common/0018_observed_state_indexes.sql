-- /observed-states lists the distinct (type, name) pairs of the run state histories with
-- their first and last timestamps: with these indexes each pair is found by one index seek
-- past the previous one and its bounds by two more, so the read does not scan the history.
CREATE INDEX ix_flow_run_state_type_name_timestamp ON flow_run_state(type, name, timestamp);
CREATE INDEX ix_task_run_state_type_name_timestamp ON task_run_state(type, name, timestamp);
