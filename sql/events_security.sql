--
-- Tracking security (docs/security.md): no function is generated per table, a table's owner
-- tracks it without CREATE on c360 or DML on c360's tables, a role with INSERT only can insert,
-- row-level security of the orders table does not narrow the state, the state and the events
-- show a role only the tables it may SELECT, and no c360 function reads a table for a role
-- without SELECT on it. A column name holding $t$ is tracked.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

CREATE ROLE c360_test_squatter NOLOGIN;
CREATE ROLE c360_test_owner NOLOGIN;
CREATE ROLE c360_test_writer NOLOGIN;
CREATE ROLE c360_test_outsider NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA c360 TO c360_test_squatter;
GRANT USAGE ON SCHEMA c360 TO c360_test_owner, c360_test_writer, c360_test_outsider;
GRANT c360_reader TO c360_test_owner, c360_test_outsider;
CREATE TABLE pwned (who text);
GRANT INSERT ON pwned TO PUBLIC;
CREATE SCHEMA sec;   -- where the test roles create their tables (PUBLIC has no CREATE on public)
GRANT USAGE, CREATE ON SCHEMA sec TO c360_test_squatter, c360_test_owner;
GRANT USAGE ON SCHEMA sec TO c360_test_writer, c360_test_outsider;

-- 1. The squat of 0.1.0: a role with CREATE on c360 pre-creates c360.track_<oid> for another
--    role's table. Nothing of that name is used any more: the planted body never runs.
CREATE TABLE sec_orders (customer text, ts timestamptz, amount numeric);
CREATE INDEX ON sec_orders (customer);
INSERT INTO sec_orders VALUES ('a', '2024-01-01', 10), ('a', '2024-02-01', 5);
SET ROLE c360_test_squatter;
DO $d$
BEGIN
    EXECUTE format('CREATE FUNCTION c360.%I() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN INSERT INTO public.pwned VALUES (current_user); RETURN NULL; END$f$',
                   'track_' || 'sec_orders'::regclass::oid);
END
$d$;
-- nor can the squatter attach the tracking trigger functions to a table of its own
CREATE TABLE sec.squat_orders (customer text, ts timestamptz, amount numeric);
SELECT pg_temp.sqlstate_of($$CREATE TRIGGER t AFTER INSERT ON sec.squat_orders FOR EACH ROW EXECUTE FUNCTION c360._track('customer', 'ts', 'amount')$$) AS attach_track;
SELECT pg_temp.sqlstate_of($$SELECT c360._track_orders('sec.squat_orders', 'customer', 'ts', 'amount')$$) AS internal_function;
SELECT pg_temp.sqlstate_of($$SELECT c360.track_orders('sec_orders', 'customer', 'ts', 'amount')$$) AS track_others_table;
DROP TABLE sec.squat_orders;
RESET ROLE;
SELECT c360.track_orders('sec_orders', 'customer', 'ts', 'amount');
SELECT t.tgname, t.tgfoid::regproc AS function, t.tgdeferrable, t.tginitdeferred
FROM pg_trigger t WHERE t.tgrelid = 'sec_orders'::regclass ORDER BY t.tgname;
UPDATE sec_orders SET amount = 20 WHERE ts = '2024-02-01';
INSERT INTO sec_orders VALUES ('b', '2024-03-01', 1);
DELETE FROM sec_orders WHERE customer = 'b';
SELECT count(*) AS planted_body_ran FROM pwned;
SELECT customer_id, orders, monetary FROM c360.customer_state WHERE source = 'sec_orders'::regclass;
SELECT c360.verify_customer_state('sec_orders');

-- 2. A table's owner tracks it with USAGE on c360 only; a role with INSERT only inserts; a role
--    restricted by row-level security updates one order: the state follows all rows.
SET ROLE c360_test_owner;
CREATE TABLE sec.shop_orders (order_id int PRIMARY KEY, customer text, region text, ts timestamptz, amount numeric(10,2));
CREATE INDEX ON sec.shop_orders (customer);
INSERT INTO sec.shop_orders VALUES (1, 'x', 'north', '2024-01-01', 10), (2, 'x', 'south', '2024-01-02', 20),
                                      (3, 'y', 'south', '2024-01-03', 30);
SELECT c360.track_orders('sec.shop_orders', 'customer', 'ts', 'amount');
INSERT INTO sec.shop_orders VALUES (4, 'x', 'north', '2024-01-04', 40);
UPDATE sec.shop_orders SET amount = 11 WHERE order_id = 1;
SELECT customer_id, orders, monetary FROM c360.customer_state ORDER BY customer_id;   -- only its own table's rows
GRANT INSERT ON sec.shop_orders TO c360_test_writer;
ALTER TABLE sec.shop_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY north_only ON sec.shop_orders TO c360_test_outsider USING (region = 'north');
CREATE POLICY writer_all ON sec.shop_orders TO c360_test_writer USING (true);
GRANT SELECT, UPDATE ON sec.shop_orders TO c360_test_outsider;
RESET ROLE;
SET ROLE c360_test_writer;
INSERT INTO sec.shop_orders VALUES (5, 'z', 'north', '2024-01-05', 50);   -- INSERT only: was 42501 on c360.customer_state
RESET ROLE;
SET ROLE c360_test_outsider;
SELECT count(*) AS rows_she_sees FROM sec.shop_orders;
UPDATE sec.shop_orders SET amount = 41 WHERE order_id = 4;                 -- customer x also has a south order
SELECT customer_id, orders, monetary FROM c360.customer_state WHERE source = 'sec.shop_orders'::regclass ORDER BY customer_id;
RESET ROLE;
SELECT customer_id, orders, monetary FROM c360.customer_state WHERE source = 'sec.shop_orders'::regclass ORDER BY customer_id;
SELECT c360.verify_customer_state('sec.shop_orders') AS differing;

-- 3. The outsider may not SELECT sec_orders: its state and events are not shown, and every c360
--    function taking a table (found in the catalog) refuses to read it (42501)
SET ROLE c360_test_outsider;
SELECT count(*) AS sec_orders_state_rows FROM c360.customer_state WHERE source = 'sec_orders'::regclass;
DO $d$
DECLARE
    f record;
    args text[];
    call text;
    outcome text;
    n int := 0;
    rows bigint;
    refused int := 0;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig, p.proname, p.prokind, p.proargtypes AS types, p.pronargs AS nargs,
                    coalesce(p.proargnames, '{}') AS names
             FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer360'
             WHERE 'regclass'::regtype = ANY (p.proargtypes::oid[]) ORDER BY 1::text LOOP
        args := '{}';
        FOR i IN 0 .. f.nargs - 1 LOOP   -- oidvector: subscripts from 0
            args := args || CASE
                WHEN f.types[i] = 'regclass'::regtype THEN '''sec_orders''::regclass'
                WHEN f.types[i] = 'name'::regtype THEN
                    CASE WHEN f.names[i + 1] LIKE '%customer%' OR f.names[i + 1] LIKE '%id%' THEN '''customer''::name'
                         WHEN f.names[i + 1] LIKE '%amount%' OR f.names[i + 1] LIKE '%monetary%' THEN '''amount''::name'
                         ELSE '''ts''::name' END
                WHEN f.types[i] = 'timestamptz'::regtype THEN '''2024-06-01''::timestamptz'
                WHEN f.types[i] = 'date'::regtype THEN '''2024-06-01''::date'
                WHEN f.types[i] IN ('int4'::regtype, 'int8'::regtype) THEN '30'
                WHEN f.types[i] IN ('numeric'::regtype, 'float8'::regtype) THEN '10'
                WHEN f.types[i] = 'text'::regtype THEN '''x'''
                ELSE 'NULL::' || f.types[i]::regtype::text END;
        END LOOP;
        call := format('SELECT * FROM %s(%s)', f.proname, array_to_string(args, ', '));
        call := replace(call, 'FROM ' || f.proname, 'FROM c360.' || f.proname);
        BEGIN
            EXECUTE 'SELECT count(*) FROM (' || call || ') q WHERE NOT (q IS NULL)' INTO rows;
            outcome := rows || ' rows';
        EXCEPTION WHEN OTHERS THEN
            outcome := SQLSTATE;
            rows := 0;
        END;
        n := n + 1;
        refused := refused + (outcome = '42501')::int;
        IF rows > 0 THEN
            RAISE NOTICE 'read without SELECT: % -> %', call, outcome;
        END IF;
    END LOOP;
    -- the others stop at an argument check (no table read) or see no row (c360's tables: row-level security)
    RAISE NOTICE 'functions taking a table >= 20: %, refused with 42501 >= 12: %', n >= 20, refused >= 12;
END
$d$;
RESET ROLE;

-- 4. What is not tracked: a user-defined column type (its functions would run as the extension's
--    owner), a partitioned table; NULL arguments; untracking another role's table
CREATE DOMAIN money_amount AS numeric CHECK (VALUE >= 0);
CREATE TABLE sec_domain (customer text, ts timestamptz, amount money_amount);
CREATE TABLE sec_parted (customer text, ts timestamptz, amount numeric) PARTITION BY RANGE (ts);
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('domain column',     $$SELECT c360.track_orders('sec_domain', 'customer', 'ts', 'amount')$$),
    ('partitioned table', $$SELECT c360.track_orders('sec_parted', 'customer', 'ts', 'amount')$$),
    ('text timestamp',    $$SELECT c360.track_orders('sec_orders', 'customer', 'customer', 'amount')$$),
    ('NULL column',       $$SELECT c360.track_orders('sec_orders', 'customer', NULL, 'amount')$$),
    ('NULL table',        $$SELECT c360.untrack_orders(NULL)$$),
    ('dropped table',     $$SELECT c360.refresh_segments(4294967294::oid::regclass)$$)
) AS t(label, query);
SET ROLE c360_test_outsider;
SELECT pg_temp.sqlstate_of($$SELECT c360.untrack_orders('sec_orders')$$) AS untrack_others_table,
       pg_temp.sqlstate_of($$SELECT c360.refresh_segments('sec_orders')$$) AS refresh_others_table;
RESET ROLE;

-- 5. A column name holding $t$ (was 42601)
CREATE TABLE sec_dollar ("cust$t$" text, ts timestamptz, "amount$t$" numeric);
INSERT INTO sec_dollar VALUES ('b', '2024-01-01', 3);
SELECT c360.track_orders('sec_dollar', 'cust$t$', 'ts', 'amount$t$');
UPDATE sec_dollar SET "amount$t$" = 4;
DELETE FROM sec_dollar WHERE false;
INSERT INTO sec_dollar VALUES ('b', '2024-03-01', 1);
SELECT customer_id, orders, monetary FROM c360.customer_state WHERE source = 'sec_dollar'::regclass;
SELECT c360.verify_customer_state('sec_dollar');
SELECT c360.untrack_orders('sec_dollar');

-- 6. A consumer sees and claims only the events of the tables it may SELECT
CREATE ROLE c360_test_consumer NOLOGIN;
GRANT c360_consumer TO c360_test_consumer;
GRANT USAGE ON SCHEMA sec TO c360_test_consumer;
GRANT SELECT ON sec.shop_orders TO c360_test_consumer;
INSERT INTO c360.event_rules (rule_name, rule_type) VALUES ('sec welcome', 'welcome');
INSERT INTO sec_orders VALUES ('w1', '2024-05-01', 1);
SET ROLE c360_test_writer;
INSERT INTO sec.shop_orders VALUES (6, 'w2', 'north', '2024-05-02', 2);
RESET ROLE;
SET ROLE c360_test_consumer;
SELECT count(*) AS events_it_sees FROM c360.event_queue;
SELECT customer_id, event_type FROM c360.claim_events(10);
RESET ROLE;
SELECT customer_id, consumed_at IS NOT NULL AS claimed FROM c360.event_queue ORDER BY customer_id;
DELETE FROM c360.event_queue;
DELETE FROM c360.event_rules;

-- 7. Savepoints and TRUNCATE: a rolled-back savepoint's orders are not counted, TRUNCATE clears
BEGIN;
INSERT INTO sec_orders VALUES ('c', '2024-04-01', 7);
SAVEPOINT s;
INSERT INTO sec_orders VALUES ('c', '2024-04-02', 100), ('d', '2024-04-02', 1);
ROLLBACK TO SAVEPOINT s;
INSERT INTO sec_orders VALUES ('c', '2024-04-03', 3);
COMMIT;
SELECT customer_id, orders, monetary FROM c360.customer_state WHERE source = 'sec_orders'::regclass ORDER BY 1;
SELECT c360.verify_customer_state('sec_orders');
BEGIN;
INSERT INTO sec_orders VALUES ('e', '2024-04-01', 7);
SAVEPOINT s;
SET CONSTRAINTS ALL IMMEDIATE;
ROLLBACK TO SAVEPOINT s;
COMMIT;   -- refused: the apply was undone and no trigger is left to redo it
SELECT count(*) AS state_of_e FROM c360.customer_state WHERE customer_id = 'e';
TRUNCATE sec_orders;
SELECT count(*) AS state_after_truncate FROM c360.customer_state WHERE source = 'sec_orders'::regclass;
SELECT c360.untrack_orders('sec_orders');
SELECT c360.untrack_orders('sec.shop_orders');

DROP TABLE sec_orders, sec_dollar, sec_domain, sec_parted, pwned, sec.shop_orders;
REVOKE ALL ON SCHEMA sec FROM c360_test_consumer;
DROP SCHEMA sec;
DROP DOMAIN money_amount;
DO $d$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p WHERE p.proowner = 'c360_test_squatter'::regrole LOOP
        EXECUTE 'DROP FUNCTION ' || f;   -- the planted c360.track_<oid>
    END LOOP;
END
$d$;
REVOKE ALL ON SCHEMA c360 FROM c360_test_squatter, c360_test_owner, c360_test_writer, c360_test_outsider;
DROP ROLE c360_test_squatter, c360_test_owner, c360_test_writer, c360_test_outsider, c360_test_consumer;
