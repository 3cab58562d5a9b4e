--
-- The upgrade path: a database that installed 0.1.0 and ran ALTER EXTENSION customer360 UPDATE
-- has exactly the catalog of a fresh install of the current version (every object, signature,
-- volatility, strictness, parallel label, body, comment, privileges: sql/include/catalog.psql).
-- Runs in a database of its own, so that the suite's database keeps its extension.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
\set suite_db :DBNAME
CREATE DATABASE c360_upgrade TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';
\c c360_upgrade
SET client_min_messages = warning;
\i :abs_srcdir/sql/include/catalog.psql

-- 0.1.0 as it was released, then the upgrade scripts up to the default version
CREATE EXTENSION customer360 VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'customer360';
ALTER EXTENSION customer360 UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'customer360') AS at_default_version
FROM pg_extension WHERE extname = 'customer360';
CREATE TABLE upgraded AS SELECT * FROM c360_catalog.objects;

-- a fresh install of the default version
DROP EXTENSION customer360;
SELECT count(*) AS c360_schema_left FROM pg_namespace WHERE nspname = 'c360';
CREATE EXTENSION customer360;
CREATE TABLE fresh AS SELECT * FROM c360_catalog.objects;

-- what was compared, and every difference (none expected)
SELECT kind, count(*) > 0 AS compared FROM fresh GROUP BY kind ORDER BY kind;
SELECT (SELECT count(*) FROM fresh WHERE kind = 'member') > 200 AS many_members;
SELECT 'only after upgrade' AS side, * FROM (SELECT * FROM upgraded EXCEPT ALL SELECT * FROM fresh) u
UNION ALL
SELECT 'only in fresh install', * FROM (SELECT * FROM fresh EXCEPT ALL SELECT * FROM upgraded) f
ORDER BY 2, 3, 1;

\c :suite_db
DROP DATABASE c360_upgrade;
