-- Reverts 0014_artifacts.sql.
DROP TABLE artifact_collection;
DROP TABLE artifact;
