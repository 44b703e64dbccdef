-- Reverts 0013_saved_searches.sql.
DROP TABLE saved_search;
