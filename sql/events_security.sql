--
-- Tracking security: a role with CREATE on c360 cannot plant the generated trigger function of
-- another role's table; a column name holding $t$ is tracked.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

CREATE ROLE c360_test_squatter NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA c360 TO c360_test_squatter;
CREATE TABLE sec_orders (customer text, ts timestamptz, amount numeric);
CREATE INDEX ON sec_orders (customer);
INSERT INTO sec_orders VALUES ('a', '2024-01-01', 10), ('a', '2024-02-01', 5);
-- the squatter pre-creates the function track_orders would generate for sec_orders
SET ROLE c360_test_squatter;
DO $d$
BEGIN
    EXECUTE format('CREATE FUNCTION c360.%I() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NULL; END$f$',
                   'track_' || 'sec_orders'::regclass::oid);
END
$d$;
RESET ROLE;
SELECT c360.track_orders('sec_orders', 'customer', 'ts', 'amount');
-- the function is now the superuser's, with the generated body: the squatter cannot rewrite it
SELECT pg_get_userbyid(p.proowner) = current_user AS owned_by_caller, p.prosrc LIKE '%_customer_recomputed%' AS generated
FROM pg_proc p WHERE p.oid = (SELECT trigger_function || '()' FROM c360.tracked_tables WHERE source = 'sec_orders'::regclass)::regprocedure;
SET ROLE c360_test_squatter;
DO $d$
BEGIN
    EXECUTE format('CREATE OR REPLACE FUNCTION c360.%I() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NULL; END$f$',
                   'track_' || 'sec_orders'::regclass::oid);
    RAISE NOTICE 'rewritten';
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'the squatter cannot rewrite it: %', SQLSTATE;
END
$d$;
RESET ROLE;
UPDATE sec_orders SET amount = 20 WHERE ts = '2024-02-01';
SELECT customer_id, orders, monetary FROM c360.customer_state WHERE source = 'sec_orders'::regclass;
SELECT c360.verify_customer_state('sec_orders');
SELECT c360.untrack_orders('sec_orders');

-- a column name holding $t$ (was 42601)
CREATE TABLE sec_dollar ("cust$t$" text, ts timestamptz, "amount$t$" numeric);
INSERT INTO sec_dollar VALUES ('b', '2024-01-01', 3);
SELECT c360.track_orders('sec_dollar', 'cust$t$', 'ts', 'amount$t$');
UPDATE sec_dollar SET "amount$t$" = 4;
DELETE FROM sec_dollar WHERE false;
INSERT INTO sec_dollar VALUES ('b', '2024-03-01', 1);
SELECT customer_id, orders, monetary FROM c360.customer_state WHERE source = 'sec_dollar'::regclass;
SELECT c360.verify_customer_state('sec_dollar');
SELECT c360.untrack_orders('sec_dollar');

DROP TABLE sec_orders, sec_dollar;
REVOKE ALL ON SCHEMA c360 FROM c360_test_squatter;
DROP ROLE c360_test_squatter;
