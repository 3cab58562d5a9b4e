-- The database scripts/sqlsmith.sh fuzzes: the extension, small tables holding a value of every state
-- and model type (made by the extension's own aggregates on tiny data) next to the raw rows they come
-- from, and a role `smith` (not superuser) that sqlsmith connects as.
--
-- Narrowing the catalog: sqlsmith reads routines and aggregates from `pg_proc` (and types, columns from
-- pg_type, pg_attribute, pg_class, pg_namespace) without a schema, so with search_path = smith_catalog,
-- pg_catalog the views below answer instead: every c360 routine, and the few pg_catalog ones listed
-- (so that sqlsmith can still build arrays, timestamps and text). Operators (pg_catalog.pg_operator,
-- qualified by sqlsmith) and the tables of information_schema stay as they are.
\set ON_ERROR_STOP 1
SET client_min_messages = error;
CREATE EXTENSION customer360;
CREATE ROLE smith LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;

CREATE SCHEMA smith_catalog;
CREATE VIEW smith_catalog.pg_proc AS
    SELECT p.oid, p.proname, p.pronamespace, p.prorettype, p.proretset, p.prokind, p.proargtypes::oid[] AS proargtypes
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'c360'::regnamespace
       OR p.oid IN ('pg_catalog.now()'::regprocedure, 'pg_catalog.array_append(anycompatiblearray, anycompatible)'::regprocedure,
                    'pg_catalog.generate_series(int4, int4)'::regprocedure, 'pg_catalog.random()'::regprocedure,
                    'pg_catalog.repeat(text, int4)'::regprocedure, 'pg_catalog.sum(float8)'::regprocedure,
                    'pg_catalog.array_agg(anynonarray)'::regprocedure, 'pg_catalog.count("any")'::regprocedure);
GRANT USAGE ON SCHEMA smith_catalog TO smith;
GRANT USAGE ON SCHEMA c360 TO smith;
GRANT SELECT ON ALL TABLES IN SCHEMA smith_catalog TO smith;
ALTER ROLE smith SET search_path = smith_catalog, pg_catalog, public;
-- sqlsmith's own statement_timeout is 1 s; a lower work_mem bounds what a generated query may sort
ALTER ROLE smith SET work_mem = '4MB';

-- raw rows: orders, scores, treatment, names
CREATE TABLE public.orders AS
SELECT i AS id, (i % 7)::int8 AS customer_id, (i % 3 = 0) AS y, ARRAY[i / 7.0, sin(i)]::float8[] AS x,
       (i * 0.618) - floor(i * 0.618) AS p, (i % 2 = 0) AS treated, i * 1.5 AS amount,
       TIMESTAMPTZ '2024-01-01 00:00+00' + i * INTERVAL '5 days' AS ts, DATE '2024-01-01' + i AS d,
       (ARRAY['Émilie Dupont', 'M. Jean-Luc O''Neil', 'dr  SMITH, John', 'Zoë Ångström', ''])[1 + i % 5] AS name,
       (ARRAY['J.Doe+news@GMail.com', 'bad@', 'x@example.org', ' A@B.CO '])[1 + i % 4] AS email,
       (ARRAY['06 12 34 56 78', '+1 (415) 555-2671', '0044 20 7946 0958', 'abc'])[1 + i % 4] AS phone,
       (ARRAY['gold', 'silver', 'lost'])[1 + i % 3] AS segment
FROM generate_series(1, 40) i;

CREATE AGGREGATE public.rfm_sample_of(float8, float8, float8) (SFUNC = c360.rfm_breaks_add, STYPE = c360.rfm_sample);
CREATE AGGREGATE public.logit_rows_of(bool, float8[]) (SFUNC = c360.logit_fit_add, STYPE = c360.logit_rows);
CREATE AGGREGATE public.score_sample_of(float8, bool) (SFUNC = c360.score_sample_add, STYPE = c360.score_sample);
CREATE AGGREGATE public.score_bins_of(float8, bool, int4) (SFUNC = c360.calibration_add, STYPE = c360.score_bins);
CREATE AGGREGATE public.ab_state_of(bool, float8) (SFUNC = c360.ab_add_mean, STYPE = c360.ab_state);
CREATE AGGREGATE public.uplift_sample_of(float8, bool, bool, float8) (SFUNC = c360.uplift_add, STYPE = c360.uplift_sample);
CREATE AGGREGATE public.clv_sample_of(float8, float8, float8) (SFUNC = c360.bgnbd_add, STYPE = c360.clv_sample);
CREATE AGGREGATE public.slowdown_state_of(timestamptz, timestamptz, int4) (SFUNC = c360.slowdown_add, STYPE = c360.slowdown_state);
CREATE AGGREGATE public.basket_state_of(float8, float8) (SFUNC = c360.basket_add, STYPE = c360.basket_state);

-- one row per customer, a value of every state and model type in each
CREATE TABLE public.states AS
SELECT customer_id,
       c360.rfm_partial(ts, amount, TIMESTAMPTZ '2024-09-01 00:00+00') AS rfm_state,
       public.rfm_sample_of(id % 17, id % 5, amount) AS rfm_sample,
       c360.logit_fit(y, x) AS logit_model,
       public.logit_rows_of(y, x) AS logit_rows,
       public.score_sample_of(p, y) AS score_sample,
       public.score_bins_of(p, y, 10) AS score_bins,
       public.ab_state_of(treated, amount) AS ab_state,
       public.uplift_sample_of(p, treated, y, 0.3) AS uplift_sample,
       public.clv_sample_of(id % 4, CASE WHEN id % 4 = 0 THEN 0 ELSE id / 2.0 END, 40) AS clv_sample,
       public.slowdown_state_of(ts, TIMESTAMPTZ '2024-09-01 00:00+00', 30) AS slowdown_state,
       public.basket_state_of(id % 7, id % 5) AS basket_state
FROM public.orders WHERE customer_id > 0 GROUP BY customer_id;
ALTER TABLE public.states ADD COLUMN logit_stats c360.logit_stats;
UPDATE public.states s SET logit_stats = (SELECT c360.logit_step(o.y, o.x, c360.logit_start()) FROM public.orders o
                                          WHERE o.customer_id = s.customer_id);

-- the composite models of lifetime value
CREATE TABLE public.models AS
SELECT c360.bgnbd_fit(id % 4, CASE WHEN id % 4 = 0 THEN 0 ELSE id / 2.0 END, 40) AS bgnbd,
       c360.pareto_nbd_fit(id % 4, CASE WHEN id % 4 = 0 THEN 0 ELSE id / 2.0 END, 40) AS pareto_nbd,
       c360.gamma_gamma_fit(1 + id % 4, amount) AS gamma_gamma,
       c360.rfm_breaks(id % 17, id % 5, amount) AS breaks
FROM public.orders;

GRANT USAGE ON SCHEMA public TO smith;
GRANT SELECT ON public.orders, public.states, public.models TO smith;
ANALYZE;
