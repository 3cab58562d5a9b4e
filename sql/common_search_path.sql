\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
-- Every SQL and PL/pgSQL function of the extension pins search_path = pg_catalog, pg_temp, so that an
-- object planted in a schema the caller puts first (e.g. public) never resolves inside it.
-- Expected: none. BEGIN ATOMIC bodies are left out: they are bound when created, so the caller's search_path
-- plays no part (c360.logit_train, the wrapper that passes the caller's search_path on for the caller's own
-- SQL text, and c360.match_explain, where SET made a forced-parallel plan hang).
SELECT p.oid::regprocedure AS function_without_pinned_search_path
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer360'
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname IN ('sql', 'plpgsql')
  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
  AND p.prosqlbody IS NULL  -- a BEGIN ATOMIC body is bound at creation: the caller's search_path plays no part
ORDER BY p.oid::regprocedure::text;
-- How many SQL/PL/pgSQL functions are checked (so that a short list above is not an empty catalog).
SELECT count(*) > 20 AS many_checked
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer360'
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname IN ('sql', 'plpgsql');

-- The planted-operator attack: an unprivileged role creates in schema public operators and functions that
-- match what the six audited functions use (date >=, int4 +, int4 >, int8 =, int8 + int4, round, sum) and
-- raise when they run. With search_path = public, pg_catalog none of them may run inside c360.
CREATE ROLE c360_planter;
GRANT CREATE ON SCHEMA public TO c360_planter;
SET ROLE c360_planter;
CREATE FUNCTION public.planted_date(a date, b date) RETURNS bool LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'planted date >= ran'; END$$;
CREATE FUNCTION public.planted_eq8(a int8, b int8) RETURNS bool LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'planted int8 = ran'; END$$;
CREATE FUNCTION public.planted_gt4(a int4, b int4) RETURNS bool LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'planted int4 > ran'; END$$;
CREATE FUNCTION public.planted_int4(a int4, b int4) RETURNS int4 LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'planted int4 + ran'; END$$;
CREATE FUNCTION public.planted_int8(a int8, b int4) RETURNS int8 LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'planted int8 + ran'; END$$;
CREATE FUNCTION public.round(a numeric, b int4) RETURNS numeric LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'planted round ran'; END$$;
CREATE FUNCTION public.planted_sum(s int8, v int8) RETURNS int8 LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'planted sum ran'; END$$;
CREATE OPERATOR public.>= (LEFTARG = date, RIGHTARG = date, FUNCTION = public.planted_date);
CREATE OPERATOR public.= (LEFTARG = int8, RIGHTARG = int8, FUNCTION = public.planted_eq8);
CREATE OPERATOR public.> (LEFTARG = int4, RIGHTARG = int4, FUNCTION = public.planted_gt4);
CREATE OPERATOR public.+ (LEFTARG = int4, RIGHTARG = int4, FUNCTION = public.planted_int4);
CREATE OPERATOR public.+ (LEFTARG = int8, RIGHTARG = int4, FUNCTION = public.planted_int8);
CREATE AGGREGATE public.sum(int8) (SFUNC = public.planted_sum, STYPE = int8);
RESET ROLE;
CREATE TABLE public.sp_train (y bool, x float8[]);
INSERT INTO public.sp_train SELECT i % 3 = 0, ARRAY[i % 7, i % 5]::float8[] FROM generate_series(1, 60) i;
CREATE TABLE public.sp_btyd AS SELECT (i % 4)::float8 AS x, CASE WHEN i % 4 = 0 THEN 0 ELSE i % 9 END::float8 AS t_x,
    10::float8 AS "T", (5 + i % 7)::float8 AS mean_value FROM generate_series(1, 60) i;
INSERT INTO c360.event_queue (customer_id, event_type, event_time) VALUES ('c1', 'test', '2026-01-01');

SET search_path = public, pg_catalog;
-- the planted objects are live in this search_path (the test would catch them)
SELECT pg_temp.sqlstate_of($$SELECT 1 + 1$$) AS planted_plus,
       pg_temp.sqlstate_of($$SELECT '2020-01-01'::date >= '2020-01-01'::date$$) AS planted_ge,
       pg_temp.sqlstate_of($$SELECT round(1.5, 0)$$) AS planted_round;
SELECT c360.next_anniversary('2020-02-29', '2021-03-01') AS next_anniversary;
SELECT c360.transitions_add('{}', 'a', 'b') AS transitions_add;
SELECT c360.transitions_merge('{"[\"a\", \"b\"]": 1}', '{"[\"a\", \"b\"]": 2}') AS transitions_merge;
SELECT c360.transitions_final('{"[\"a\", \"b\"]": 1, "[\"a\", \"c\"]": 3}') AS transitions_final;
SELECT customer_id, event_type FROM c360.claim_events(10);
SELECT c360.logit_done(c360.logit_train('sp_train', 'y', 'x')) AS logit_train_done;
SELECT (c360.bgnbd_train('sp_btyd')).customers AS bgnbd_train_customers,
       (c360.gamma_gamma_train('SELECT * FROM sp_btyd')).customers AS gamma_gamma_train_customers;
-- the caller's names still resolve as the caller sees them (sp_train is found in public)
SELECT c360.logit_done(c360.logit_train('SELECT * FROM sp_train', 'y', 'x')) AS logit_train_query_done;
RESET search_path;

-- logit_train runs its arguments as SQL text (trusted input): one statement only, a ";" is refused with 22023
SELECT pg_temp.sqlstate_of($$SELECT c360.logit_train('sp_train; DROP TABLE sp_train', 'y', 'x')$$) AS two_statements;
SELECT pg_temp.sqlstate_of($$SELECT c360.logit_train('sp_train', 'y', 'x); DROP TABLE sp_train; --')$$) AS in_features;
SELECT pg_temp.sqlstate_of($$SELECT c360.logit_train('sp_train', 'y;', 'x')$$) AS in_label;
SELECT pg_temp.sqlstate_of($$SELECT c360.logit_train('SELECT * FROM sp_train;', 'y', 'x')$$) AS trailing;
-- a ";" inside a literal, a quoted identifier, a dollar quote or a comment is not a second statement
SELECT c360._sql_has_semicolon($$SELECT ';' AS "a;b", $q$;$q$ /* ; */ -- ;$$) AS quoted_semicolon;
SELECT c360._sql_has_semicolon($$SELECT 'it''s; here'$$) AS doubled_quote,
       c360._sql_has_semicolon($$SELECT 'x' ; SELECT 1$$) AS after_literal;
SELECT c360.logit_done(c360.logit_train('SELECT y, x FROM sp_train WHERE '';'' <> ''x''', 'y', 'x')) AS literal_ok;
SELECT count(*) AS still_there FROM sp_train;

DROP TABLE public.sp_train, public.sp_btyd;
DROP AGGREGATE public.sum(int8);
DROP OPERATOR public.>= (date, date);
DROP OPERATOR public.= (int8, int8);
DROP OPERATOR public.> (int4, int4);
DROP OPERATOR public.+ (int4, int4);
DROP OPERATOR public.+ (int8, int4);
DROP FUNCTION public.planted_date(date, date), public.planted_eq8(int8, int8), public.planted_gt4(int4, int4),
    public.planted_int4(int4, int4),
    public.planted_int8(int8, int4), public.round(numeric, int4), public.planted_sum(int8, int8);
REVOKE CREATE ON SCHEMA public FROM c360_planter;
DROP ROLE c360_planter;
DELETE FROM c360.event_queue;
SELECT pg_catalog.setval('c360.event_queue_event_id_seq', 1, false);
