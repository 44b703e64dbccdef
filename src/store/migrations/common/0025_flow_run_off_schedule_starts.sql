-- The flow runs whose COALESCE(start_time, expected_start_time) lies more than an hour from
-- their expected_start_time (started early or late by more than an hour): few in practice.
-- Every other run's START_TIME order key is within an hour of its expected start, so a page of
-- an expected-start window in that order has a key range known from this index alone
-- (flow_run_repository.h, start_order_range): the page walks the start-time-order index
-- (0023) from the window's newest run instead of sorting every run of the window. The bound
-- (3600000000 µs) is repeated in that function. Portable SQL for both dialects; PostgreSQL
-- has the index for one schema. Expand-only: an index.
CREATE INDEX ix_flow_run_off_schedule_start ON flow_run(expected_start_time, start_time)
  WHERE start_time > expected_start_time + 3600000000 OR start_time < expected_start_time - 3600000000;
