-- Reverts 0001_flows.
DROP TABLE flow;
