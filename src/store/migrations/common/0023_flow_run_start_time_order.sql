-- The order of the runs page (START_TIME_DESC sorts by COALESCE(start_time,
-- expected_start_time), as Prefect does; Prefect indexes the same expression): a page of the
-- newest runs walks this index and stops after the page instead of sorting every flow run
-- (0.5 s at 1,000,000 runs on SQLite). Portable SQL for both dialects. Expand-only: an index.
CREATE INDEX ix_flow_run_coalesce_start_time_expected_start_time_desc
  ON flow_run ((COALESCE(start_time, expected_start_time)) DESC);
