-- PostgreSQL mirror of sqlite/0001_flows.sql. Same tables and column names; INTEGER
-- becomes BIGINT (microsecond timestamps), REAL DOUBLE PRECISION; JSON stays TEXT so
-- documents are returned byte for byte as stored (queries cast to jsonb where they look inside).
--
-- SQLite's JSON and string functions that repositories and filters use, with SQLite's
-- meaning, so the same SQL runs on both backends (store/dialect.h covers the differences
-- that are syntax rather than functions). Overloads on text leave PostgreSQL's own
-- json/jsonb functions untouched.
CREATE FUNCTION json_each(doc text) RETURNS TABLE(key text, value text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT NULL::text, a.v FROM jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(doc::jsonb) = 'array' THEN doc::jsonb END) AS a(v)
  UNION ALL
  SELECT o.k, o.v FROM jsonb_each_text(
    CASE WHEN jsonb_typeof(doc::jsonb) = 'object' THEN doc::jsonb END) AS o(k, v)
$$;
CREATE FUNCTION json_array_length(doc text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT jsonb_array_length(doc::jsonb) $$;
-- Paths of the form $.a.b or $.a."dotted.key".
CREATE FUNCTION json_extract(doc text, path text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT doc::jsonb #>> ARRAY(
    SELECT coalesce(m[1], m[2]) FROM regexp_matches(path, '\.(?:"([^"]*)"|([^."]+))', 'g') AS m)
$$;
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(haystack, needle) $$;
-- glob(pattern, value): SQLite's GLOB with '*', '?' and '[...]' classes, case-sensitive.
CREATE FUNCTION glob(pattern text, value text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT value ~ ('^' || regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(pattern, '([.+^$(){}|\\])', '\\\1', 'g'),
    '\*', '.*', 'g'), '\?', '.', 'g'), '\[!', '[^', 'g') || '$')
$$;
-- julianday('now'): the current time as a Julian day number, as SQLite's.
CREATE FUNCTION julianday(what text) RETURNS double precision
LANGUAGE sql STABLE AS $$
  SELECT extract(epoch FROM clock_timestamp())::double precision / 86400.0 + 2440587.5
$$;

CREATE TABLE flow (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  tags TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  labels TEXT NOT NULL DEFAULT '{}'  -- JSON object
);
CREATE INDEX ix_flow_created ON flow(created);
