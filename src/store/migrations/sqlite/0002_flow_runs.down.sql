-- Reverts 0002_flow_runs (the tables' indexes go with them).
DROP TABLE flow_run_state;
DROP TABLE flow_run;
