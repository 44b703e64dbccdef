-- The task-run rollup (SQLite): task runs counted per minute of expected start, minute of
-- start, state and minute of their flow run's expected start, with the sums
-- /task_runs/history reports, kept by triggers in the transaction of every write to task_run
-- or flow_run (the API, the bulk lane, the importer, retention, an older binary: every path).
-- store/task_run_rollup.h answers the UI's task-run counts, histories and page bounds from it:
-- whole minutes from the table, a window's edge minutes from the rows, so the answers stay
-- exact. A RUNNING or not yet started run's sums depend on now(): those are read from the rows.
-- PostgreSQL has the table (common/) but no triggers and never reads it: a cell updated by
-- every concurrent task-run write would serialize those writes there.
CREATE TABLE task_run_rollup (
  expected_minute BIGINT NOT NULL,  -- floor(expected_start_time / 1 min); -9223372036854775807 when none
  start_minute BIGINT NOT NULL,     -- floor(start_time / 1 min); -9223372036854775807 when none
  state_type TEXT NOT NULL,         -- '' when none
  state_name TEXT NOT NULL,         -- '' when none
  flow_run_minute BIGINT NOT NULL,  -- its flow run's expected_minute; -9223372036854775806 when that flow run is not stored
  runs BIGINT NOT NULL,
  run_time DOUBLE PRECISION NOT NULL,  -- Σ max(0, total_run_time), seconds
  lateness DOUBLE PRECISION NOT NULL,  -- Σ max(0, start_time − expected_start_time), seconds
  PRIMARY KEY (expected_minute, start_minute, state_type, state_name, flow_run_minute)
);
-- Counts by start-time window (the runs page's and the dashboard's task-run counts) and by
-- flow-run window (the runs page's task-run tab).
CREATE INDEX ix_task_run_rollup_start_minute ON task_run_rollup(start_minute);
CREATE INDEX ix_task_run_rollup_flow_run_minute ON task_run_rollup(flow_run_minute, expected_minute);

-- What the table holds, computed from the rows: the backfill below, the bulk loader's rebuild
-- (bench/w4_loader.py) and the tests' consistency check read it.
CREATE VIEW task_run_rollup_source AS
SELECT (CASE WHEN task_run.expected_start_time IS NULL THEN -9223372036854775807 WHEN task_run.expected_start_time >= 0 THEN task_run.expected_start_time / 60000000 ELSE (task_run.expected_start_time - 59999999) / 60000000 END) AS expected_minute,
       (CASE WHEN task_run.start_time IS NULL THEN -9223372036854775807 WHEN task_run.start_time >= 0 THEN task_run.start_time / 60000000 ELSE (task_run.start_time - 59999999) / 60000000 END) AS start_minute,
       COALESCE(task_run.state_type, '') AS state_type,
       COALESCE(task_run.state_name, '') AS state_name,
       COALESCE((SELECT (CASE WHEN flow_run.expected_start_time IS NULL THEN -9223372036854775807 WHEN flow_run.expected_start_time >= 0 THEN flow_run.expected_start_time / 60000000 ELSE (flow_run.expected_start_time - 59999999) / 60000000 END) FROM flow_run WHERE flow_run.id = task_run.flow_run_id), -9223372036854775806) AS flow_run_minute,
       COUNT(*) AS runs, SUM(MAX(0, task_run.total_run_time)) AS run_time,
       SUM(MAX(0, CASE WHEN task_run.start_time > task_run.expected_start_time THEN (task_run.start_time - task_run.expected_start_time) / 1e6 ELSE 0 END)) AS lateness
FROM task_run GROUP BY 1, 2, 3, 4, 5;

INSERT INTO task_run_rollup (expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, run_time, lateness) SELECT expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, run_time, lateness FROM task_run_rollup_source;

CREATE TRIGGER task_run_rollup_insert AFTER INSERT ON task_run BEGIN
  INSERT INTO task_run_rollup (expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, run_time, lateness)
  VALUES ((CASE WHEN NEW.expected_start_time IS NULL THEN -9223372036854775807 WHEN NEW.expected_start_time >= 0 THEN NEW.expected_start_time / 60000000 ELSE (NEW.expected_start_time - 59999999) / 60000000 END), (CASE WHEN NEW.start_time IS NULL THEN -9223372036854775807 WHEN NEW.start_time >= 0 THEN NEW.start_time / 60000000 ELSE (NEW.start_time - 59999999) / 60000000 END), COALESCE(NEW.state_type, ''), COALESCE(NEW.state_name, ''), COALESCE((SELECT (CASE WHEN flow_run.expected_start_time IS NULL THEN -9223372036854775807 WHEN flow_run.expected_start_time >= 0 THEN flow_run.expected_start_time / 60000000 ELSE (flow_run.expected_start_time - 59999999) / 60000000 END) FROM flow_run WHERE flow_run.id = NEW.flow_run_id), -9223372036854775806),
          1, MAX(0, NEW.total_run_time), MAX(0, CASE WHEN NEW.start_time > NEW.expected_start_time THEN (NEW.start_time - NEW.expected_start_time) / 1e6 ELSE 0 END))
  ON CONFLICT (expected_minute, start_minute, state_type, state_name, flow_run_minute) DO UPDATE SET runs = runs + 1,
    run_time = run_time + excluded.run_time, lateness = lateness + excluded.lateness;
END;

CREATE TRIGGER task_run_rollup_delete AFTER DELETE ON task_run BEGIN
  UPDATE task_run_rollup SET runs = runs - 1, run_time = run_time - MAX(0, OLD.total_run_time),
    lateness = lateness - MAX(0, CASE WHEN OLD.start_time > OLD.expected_start_time THEN (OLD.start_time - OLD.expected_start_time) / 1e6 ELSE 0 END)
  WHERE expected_minute = (CASE WHEN OLD.expected_start_time IS NULL THEN -9223372036854775807 WHEN OLD.expected_start_time >= 0 THEN OLD.expected_start_time / 60000000 ELSE (OLD.expected_start_time - 59999999) / 60000000 END) AND start_minute = (CASE WHEN OLD.start_time IS NULL THEN -9223372036854775807 WHEN OLD.start_time >= 0 THEN OLD.start_time / 60000000 ELSE (OLD.start_time - 59999999) / 60000000 END) AND state_type = COALESCE(OLD.state_type, '') AND state_name = COALESCE(OLD.state_name, '') AND flow_run_minute = COALESCE((SELECT (CASE WHEN flow_run.expected_start_time IS NULL THEN -9223372036854775807 WHEN flow_run.expected_start_time >= 0 THEN flow_run.expected_start_time / 60000000 ELSE (flow_run.expected_start_time - 59999999) / 60000000 END) FROM flow_run WHERE flow_run.id = OLD.flow_run_id), -9223372036854775806);
END;

CREATE TRIGGER task_run_rollup_update AFTER UPDATE OF expected_start_time, start_time, state_type, state_name, total_run_time, flow_run_id ON task_run
WHEN OLD.expected_start_time IS NOT NEW.expected_start_time OR OLD.start_time IS NOT NEW.start_time OR OLD.state_type IS NOT NEW.state_type OR OLD.state_name IS NOT NEW.state_name OR OLD.total_run_time IS NOT NEW.total_run_time OR OLD.flow_run_id IS NOT NEW.flow_run_id BEGIN
  UPDATE task_run_rollup SET runs = runs - 1, run_time = run_time - MAX(0, OLD.total_run_time),
    lateness = lateness - MAX(0, CASE WHEN OLD.start_time > OLD.expected_start_time THEN (OLD.start_time - OLD.expected_start_time) / 1e6 ELSE 0 END)
  WHERE expected_minute = (CASE WHEN OLD.expected_start_time IS NULL THEN -9223372036854775807 WHEN OLD.expected_start_time >= 0 THEN OLD.expected_start_time / 60000000 ELSE (OLD.expected_start_time - 59999999) / 60000000 END) AND start_minute = (CASE WHEN OLD.start_time IS NULL THEN -9223372036854775807 WHEN OLD.start_time >= 0 THEN OLD.start_time / 60000000 ELSE (OLD.start_time - 59999999) / 60000000 END) AND state_type = COALESCE(OLD.state_type, '') AND state_name = COALESCE(OLD.state_name, '') AND flow_run_minute = COALESCE((SELECT (CASE WHEN flow_run.expected_start_time IS NULL THEN -9223372036854775807 WHEN flow_run.expected_start_time >= 0 THEN flow_run.expected_start_time / 60000000 ELSE (flow_run.expected_start_time - 59999999) / 60000000 END) FROM flow_run WHERE flow_run.id = OLD.flow_run_id), -9223372036854775806);
  INSERT INTO task_run_rollup (expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, run_time, lateness)
  VALUES ((CASE WHEN NEW.expected_start_time IS NULL THEN -9223372036854775807 WHEN NEW.expected_start_time >= 0 THEN NEW.expected_start_time / 60000000 ELSE (NEW.expected_start_time - 59999999) / 60000000 END), (CASE WHEN NEW.start_time IS NULL THEN -9223372036854775807 WHEN NEW.start_time >= 0 THEN NEW.start_time / 60000000 ELSE (NEW.start_time - 59999999) / 60000000 END), COALESCE(NEW.state_type, ''), COALESCE(NEW.state_name, ''), COALESCE((SELECT (CASE WHEN flow_run.expected_start_time IS NULL THEN -9223372036854775807 WHEN flow_run.expected_start_time >= 0 THEN flow_run.expected_start_time / 60000000 ELSE (flow_run.expected_start_time - 59999999) / 60000000 END) FROM flow_run WHERE flow_run.id = NEW.flow_run_id), -9223372036854775806),
          1, MAX(0, NEW.total_run_time), MAX(0, CASE WHEN NEW.start_time > NEW.expected_start_time THEN (NEW.start_time - NEW.expected_start_time) / 1e6 ELSE 0 END))
  ON CONFLICT (expected_minute, start_minute, state_type, state_name, flow_run_minute) DO UPDATE SET runs = runs + 1,
    run_time = run_time + excluded.run_time, lateness = lateness + excluded.lateness;
END;

CREATE TRIGGER task_run_rollup_flow_run_insert AFTER INSERT ON flow_run BEGIN
  UPDATE task_run_rollup SET runs = task_run_rollup.runs - g.runs,
    run_time = task_run_rollup.run_time - g.run_time, lateness = task_run_rollup.lateness - g.lateness
  FROM (SELECT (CASE WHEN t.expected_start_time IS NULL THEN -9223372036854775807 WHEN t.expected_start_time >= 0 THEN t.expected_start_time / 60000000 ELSE (t.expected_start_time - 59999999) / 60000000 END) AS expected_minute, (CASE WHEN t.start_time IS NULL THEN -9223372036854775807 WHEN t.start_time >= 0 THEN t.start_time / 60000000 ELSE (t.start_time - 59999999) / 60000000 END) AS start_minute, COALESCE(t.state_type, '') AS state_type, COALESCE(t.state_name, '') AS state_name, COUNT(*) AS runs, SUM(MAX(0, t.total_run_time)) AS run_time, SUM(MAX(0, CASE WHEN t.start_time > t.expected_start_time THEN (t.start_time - t.expected_start_time) / 1e6 ELSE 0 END)) AS lateness
    FROM task_run AS t WHERE t.flow_run_id = NEW.id GROUP BY 1, 2, 3, 4) AS g
  WHERE task_run_rollup.flow_run_minute = -9223372036854775806 AND task_run_rollup.expected_minute = g.expected_minute AND task_run_rollup.start_minute = g.start_minute AND task_run_rollup.state_type = g.state_type AND task_run_rollup.state_name = g.state_name;
  INSERT INTO task_run_rollup (expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, run_time, lateness)
  SELECT expected_minute, start_minute, state_type, state_name, (CASE WHEN NEW.expected_start_time IS NULL THEN -9223372036854775807 WHEN NEW.expected_start_time >= 0 THEN NEW.expected_start_time / 60000000 ELSE (NEW.expected_start_time - 59999999) / 60000000 END), runs, run_time, lateness
  FROM (SELECT (CASE WHEN t.expected_start_time IS NULL THEN -9223372036854775807 WHEN t.expected_start_time >= 0 THEN t.expected_start_time / 60000000 ELSE (t.expected_start_time - 59999999) / 60000000 END) AS expected_minute, (CASE WHEN t.start_time IS NULL THEN -9223372036854775807 WHEN t.start_time >= 0 THEN t.start_time / 60000000 ELSE (t.start_time - 59999999) / 60000000 END) AS start_minute, COALESCE(t.state_type, '') AS state_type, COALESCE(t.state_name, '') AS state_name, COUNT(*) AS runs, SUM(MAX(0, t.total_run_time)) AS run_time, SUM(MAX(0, CASE WHEN t.start_time > t.expected_start_time THEN (t.start_time - t.expected_start_time) / 1e6 ELSE 0 END)) AS lateness
    FROM task_run AS t WHERE t.flow_run_id = NEW.id GROUP BY 1, 2, 3, 4) WHERE true
  ON CONFLICT (expected_minute, start_minute, state_type, state_name, flow_run_minute) DO UPDATE SET runs = runs + excluded.runs,
    run_time = run_time + excluded.run_time, lateness = lateness + excluded.lateness;
END;

CREATE TRIGGER task_run_rollup_flow_run_delete AFTER DELETE ON flow_run BEGIN
  UPDATE task_run_rollup SET runs = task_run_rollup.runs - g.runs,
    run_time = task_run_rollup.run_time - g.run_time, lateness = task_run_rollup.lateness - g.lateness
  FROM (SELECT (CASE WHEN t.expected_start_time IS NULL THEN -9223372036854775807 WHEN t.expected_start_time >= 0 THEN t.expected_start_time / 60000000 ELSE (t.expected_start_time - 59999999) / 60000000 END) AS expected_minute, (CASE WHEN t.start_time IS NULL THEN -9223372036854775807 WHEN t.start_time >= 0 THEN t.start_time / 60000000 ELSE (t.start_time - 59999999) / 60000000 END) AS start_minute, COALESCE(t.state_type, '') AS state_type, COALESCE(t.state_name, '') AS state_name, COUNT(*) AS runs, SUM(MAX(0, t.total_run_time)) AS run_time, SUM(MAX(0, CASE WHEN t.start_time > t.expected_start_time THEN (t.start_time - t.expected_start_time) / 1e6 ELSE 0 END)) AS lateness
    FROM task_run AS t WHERE t.flow_run_id = OLD.id GROUP BY 1, 2, 3, 4) AS g
  WHERE task_run_rollup.flow_run_minute = (CASE WHEN OLD.expected_start_time IS NULL THEN -9223372036854775807 WHEN OLD.expected_start_time >= 0 THEN OLD.expected_start_time / 60000000 ELSE (OLD.expected_start_time - 59999999) / 60000000 END) AND task_run_rollup.expected_minute = g.expected_minute AND task_run_rollup.start_minute = g.start_minute AND task_run_rollup.state_type = g.state_type AND task_run_rollup.state_name = g.state_name;
  INSERT INTO task_run_rollup (expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, run_time, lateness)
  SELECT expected_minute, start_minute, state_type, state_name, -9223372036854775806, runs, run_time, lateness
  FROM (SELECT (CASE WHEN t.expected_start_time IS NULL THEN -9223372036854775807 WHEN t.expected_start_time >= 0 THEN t.expected_start_time / 60000000 ELSE (t.expected_start_time - 59999999) / 60000000 END) AS expected_minute, (CASE WHEN t.start_time IS NULL THEN -9223372036854775807 WHEN t.start_time >= 0 THEN t.start_time / 60000000 ELSE (t.start_time - 59999999) / 60000000 END) AS start_minute, COALESCE(t.state_type, '') AS state_type, COALESCE(t.state_name, '') AS state_name, COUNT(*) AS runs, SUM(MAX(0, t.total_run_time)) AS run_time, SUM(MAX(0, CASE WHEN t.start_time > t.expected_start_time THEN (t.start_time - t.expected_start_time) / 1e6 ELSE 0 END)) AS lateness
    FROM task_run AS t WHERE t.flow_run_id = OLD.id GROUP BY 1, 2, 3, 4) WHERE true
  ON CONFLICT (expected_minute, start_minute, state_type, state_name, flow_run_minute) DO UPDATE SET runs = runs + excluded.runs,
    run_time = run_time + excluded.run_time, lateness = lateness + excluded.lateness;
END;

CREATE TRIGGER task_run_rollup_flow_run_reschedule AFTER UPDATE OF expected_start_time ON flow_run
WHEN (CASE WHEN OLD.expected_start_time IS NULL THEN -9223372036854775807 WHEN OLD.expected_start_time >= 0 THEN OLD.expected_start_time / 60000000 ELSE (OLD.expected_start_time - 59999999) / 60000000 END) <> (CASE WHEN NEW.expected_start_time IS NULL THEN -9223372036854775807 WHEN NEW.expected_start_time >= 0 THEN NEW.expected_start_time / 60000000 ELSE (NEW.expected_start_time - 59999999) / 60000000 END) BEGIN
  UPDATE task_run_rollup SET runs = task_run_rollup.runs - g.runs,
    run_time = task_run_rollup.run_time - g.run_time, lateness = task_run_rollup.lateness - g.lateness
  FROM (SELECT (CASE WHEN t.expected_start_time IS NULL THEN -9223372036854775807 WHEN t.expected_start_time >= 0 THEN t.expected_start_time / 60000000 ELSE (t.expected_start_time - 59999999) / 60000000 END) AS expected_minute, (CASE WHEN t.start_time IS NULL THEN -9223372036854775807 WHEN t.start_time >= 0 THEN t.start_time / 60000000 ELSE (t.start_time - 59999999) / 60000000 END) AS start_minute, COALESCE(t.state_type, '') AS state_type, COALESCE(t.state_name, '') AS state_name, COUNT(*) AS runs, SUM(MAX(0, t.total_run_time)) AS run_time, SUM(MAX(0, CASE WHEN t.start_time > t.expected_start_time THEN (t.start_time - t.expected_start_time) / 1e6 ELSE 0 END)) AS lateness
    FROM task_run AS t WHERE t.flow_run_id = NEW.id GROUP BY 1, 2, 3, 4) AS g
  WHERE task_run_rollup.flow_run_minute = (CASE WHEN OLD.expected_start_time IS NULL THEN -9223372036854775807 WHEN OLD.expected_start_time >= 0 THEN OLD.expected_start_time / 60000000 ELSE (OLD.expected_start_time - 59999999) / 60000000 END) AND task_run_rollup.expected_minute = g.expected_minute AND task_run_rollup.start_minute = g.start_minute AND task_run_rollup.state_type = g.state_type AND task_run_rollup.state_name = g.state_name;
  INSERT INTO task_run_rollup (expected_minute, start_minute, state_type, state_name, flow_run_minute, runs, run_time, lateness)
  SELECT expected_minute, start_minute, state_type, state_name, (CASE WHEN NEW.expected_start_time IS NULL THEN -9223372036854775807 WHEN NEW.expected_start_time >= 0 THEN NEW.expected_start_time / 60000000 ELSE (NEW.expected_start_time - 59999999) / 60000000 END), runs, run_time, lateness
  FROM (SELECT (CASE WHEN t.expected_start_time IS NULL THEN -9223372036854775807 WHEN t.expected_start_time >= 0 THEN t.expected_start_time / 60000000 ELSE (t.expected_start_time - 59999999) / 60000000 END) AS expected_minute, (CASE WHEN t.start_time IS NULL THEN -9223372036854775807 WHEN t.start_time >= 0 THEN t.start_time / 60000000 ELSE (t.start_time - 59999999) / 60000000 END) AS start_minute, COALESCE(t.state_type, '') AS state_type, COALESCE(t.state_name, '') AS state_name, COUNT(*) AS runs, SUM(MAX(0, t.total_run_time)) AS run_time, SUM(MAX(0, CASE WHEN t.start_time > t.expected_start_time THEN (t.start_time - t.expected_start_time) / 1e6 ELSE 0 END)) AS lateness
    FROM task_run AS t WHERE t.flow_run_id = NEW.id GROUP BY 1, 2, 3, 4) WHERE true
  ON CONFLICT (expected_minute, start_minute, state_type, state_name, flow_run_minute) DO UPDATE SET runs = runs + excluded.runs,
    run_time = run_time + excluded.run_time, lateness = lateness + excluded.lateness;
END;
