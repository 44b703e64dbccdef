-- Reverts 0004_logs (the table's indexes go with it).
DROP TABLE log;
