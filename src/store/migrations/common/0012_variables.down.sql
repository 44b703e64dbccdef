-- Reverts 0012_variables.sql.
DROP TABLE variable;
