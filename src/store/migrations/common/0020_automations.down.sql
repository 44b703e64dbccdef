-- Reverts 0020_automations.sql.
DROP TABLE automation_related_resource;
DROP TABLE automation;
