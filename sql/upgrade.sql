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
-- a table tracked by 0.1.0 (a generated c360.track_<oid>, c360._track_insert), with this library
CREATE TABLE up_orders (customer text, ts timestamptz, amount numeric);
CREATE INDEX ON up_orders (customer);
INSERT INTO up_orders VALUES ('a', '2024-01-01', 10);
SELECT c360.track_orders('up_orders', 'customer', 'ts', 'amount');
INSERT INTO up_orders VALUES ('a', '2024-01-02', 5), ('b', '2024-01-03', 1);
SELECT customer_id, orders, monetary FROM c360.customer_state ORDER BY 1;
ALTER EXTENSION customer360 UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'customer360') AS at_default_version
FROM pg_extension WHERE extname = 'customer360';
CREATE TABLE upgraded AS SELECT * FROM c360_catalog.objects;
-- the tracked table got the new triggers; the generated function is gone; tracking goes on
SELECT t.tgname, t.tgfoid::regproc AS function FROM pg_trigger t WHERE t.tgrelid = 'up_orders'::regclass ORDER BY 1;
SELECT count(*) AS generated_functions_left FROM pg_proc WHERE pronamespace = 'c360'::regnamespace AND proname ~ '^track_[0-9]+$';
UPDATE up_orders SET amount = 7 WHERE customer = 'b';
INSERT INTO up_orders VALUES ('c', '2024-01-04', 2);
DELETE FROM up_orders WHERE customer = 'a' AND ts = '2024-01-01';
SELECT customer_id, orders, monetary FROM c360.customer_state ORDER BY 1;
SELECT c360.verify_customer_state('up_orders') AS differing;
SELECT c360.untrack_orders('up_orders');
DROP TABLE up_orders;

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
