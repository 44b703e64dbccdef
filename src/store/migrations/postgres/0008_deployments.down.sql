-- Reverts 0008_deployments (the tables' indexes go with them).
DROP TABLE deployment_schedule;
DROP TABLE deployment;
