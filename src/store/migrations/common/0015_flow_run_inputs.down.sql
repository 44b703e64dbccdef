-- Reverts 0015_flow_run_inputs.sql.
DROP TABLE flow_run_input;
