-- Reverts 0001_flows: the table, then the SQLite-compatible functions.
DROP TABLE flow;
DROP FUNCTION julianday(text);
DROP FUNCTION glob(text, text);
DROP FUNCTION instr(text, text);
DROP FUNCTION json_extract(text, text);
DROP FUNCTION json_array_length(text);
DROP FUNCTION json_each(text);
