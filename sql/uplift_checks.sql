--
-- Campaign measurement: assignment vectors, parallel and Citus-style paths, bad input.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- GrowthBook SDK hash vectors (packages/sdk-js/test/cases.json, spec 0.8.0): all 14 of versions 1 and 2
SELECT count(*) AS cases, count(*) FILTER (WHERE c360.hash_bucket(seed, id, v) = expected) AS matching
FROM (VALUES ('', 'a', 1, 0.22), ('', 'b', 1, 0.077), ('b', 'a', 1, 0.946), ('ef', 'd', 1, 0.652),
             ('asdf', '8952klfjas09ujk', 1, 0.549), ('', '123', 1, 0.011), ('', '___)((*":&', 1, 0.563),
             ('seed', 'a', 2, 0.0505), ('seed', 'b', 2, 0.2696), ('foo', 'ab', 2, 0.2575), ('foo', 'def', 2, 0.2019),
             ('89123klj', '8952klfjas09ujkasdf', 2, 0.124), ('90850943850283058242805', '123', 2, 0.7516),
             ('()**(%$##$%#$#', '___)((*":&', 2, 0.0128)) AS v(seed, id, v, expected);
-- uplift.md's own v2 examples
SELECT c360.hash_bucket('holdout-2024', 'customer_1') AS c1, c360.hash_bucket('holdout-2024', 'customer_2') AS c2,
       c360.hash_bucket('holdout-2024', '42') AS c42, c360.hash_bucket('spring-email', '42') AS spring42;
-- non-ASCII ids hash their UTF-16 code units, like the JS SDK: fnv1a32 differs from a UTF-8 byte hash
SELECT c360.hash_bucket('s', 'Müller') = c360.hash_bucket('s', 'Müller') AS stable,
       c360.hash_bucket('s', 'Müller') <> c360.hash_bucket('s', 'Muller') AS accents_matter;
-- a 10 % holdout over ids 0..63999 with salt 'hillstrom': 6,309 ids (uplift.md)
SELECT count(*) FILTER (WHERE c360.assign_group(i::text, 'hillstrom', 0.1) = 'control') AS control,
       count(*) FILTER (WHERE c360.assign_group(i::text, 'hillstrom', 0.1) = 'treatment') AS treatment
FROM generate_series(0, 63999) i;
-- deterministic and uniform: deciles of the bucket over 100,000 ids, chi-square against equal shares
SELECT (c360.srm_test(array_agg(n ORDER BY d))).p_value > 0.001 AS uniform_enough, min(n), max(n)
FROM (SELECT floor(c360.hash_bucket('spring', i::text) * 10) AS d, count(*) AS n
      FROM generate_series(1, 100000) i GROUP BY 1) t;
-- three arms 10/45/45
SELECT arm, count(*) FROM (SELECT c360.assign_arm(i::text, 'spring', ARRAY['holdout', 'A', 'B'], ARRAY[0.1, 0.45, 0.45]) AS arm
                           FROM generate_series(1, 30000) i) t GROUP BY arm ORDER BY arm;
-- a zero weight never gets anyone
SELECT count(*) FILTER (WHERE c360.assign_arm(i::text, 's', ARRAY['x', 'y'], ARRAY[0, 1]) = 'x') AS in_x
FROM generate_series(1, 1000) i;

-- ---- parallel plans and the Citus path ----------------------------------------------------------
CREATE TABLE camp AS
SELECT i AS customer_id, (i * 7919) % 3 <> 0 AS treated,
       ((i * 104729) % 1000) < CASE WHEN (i * 7919) % 3 <> 0 THEN 60 ELSE 50 END AS converted,
       ((i * 2654435761) % 10007) / 100.0 AS spend, ((i * 48271) % 5003) / 50.0 AS pre_spend,
       ((i * 16807) % 100003) / 100003.0 AS score
FROM generate_series(1::bigint, 300000) i;
ANALYZE camp;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_result AS
SELECT c360.lift_binary(treated, converted) AS b, c360.lift_mean(treated, spend) AS m,
       c360.lift_cuped(treated, spend, pre_spend) AS c, c360.qini_auc(score, treated, converted) AS q,
       c360.uplift_at_k(score, treated, converted, 0.2) AS k
FROM camp;
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.lift_binary(treated, converted), c360.lift_mean(treated, spend),
                           c360.qini_auc(score, treated, converted) FROM camp;
CREATE TABLE parallel_result AS
SELECT c360.lift_binary(treated, converted) AS b, c360.lift_mean(treated, spend) AS m,
       c360.lift_cuped(treated, spend, pre_spend) AS c, c360.qini_auc(score, treated, converted) AS q,
       c360.uplift_at_k(score, treated, converted, 0.2) AS k
FROM camp;
:reset_parallel
-- counts identical; differences and standard errors equal to 1e-12 relative to the means (Chan's
-- merge of the workers' moments changes the last bits; t itself is near 0 here, spend does not
-- depend on the arm); the curve metrics are exact (the rows are sorted before use)
SELECT (s.b).n_control = (p.b).n_control AND (s.b).conversions_treatment = (p.b).conversions_treatment AS counts_same,
       abs((s.b).z - (p.b).z) <= 1e-12 * abs((s.b).z) AS binary_same,
       abs((s.m).diff - (p.m).diff) <= 1e-12 * (s.m).mean_control AND abs((s.m).std_err - (p.m).std_err) <= 1e-12 * (s.m).std_err
           AND abs((s.m).df - (p.m).df) <= 1e-9 * (s.m).df AS welch_same,
       abs((s.c).diff - (p.c).diff) <= 1e-12 * (s.c).mean_control AND abs((s.c).std_err - (p.c).std_err) <= 1e-12 * (s.c).std_err AS cuped_same,
       s.q = p.q AS qini_same, s.k = p.k AS at_k_same
FROM serial_result s, parallel_result p;
-- Citus: each shard ships its partial state as text; the coordinator reads, merges, finalises
CREATE AGGREGATE pg_temp.ab_partial(boolean, float8) (SFUNC = c360.ab_add_mean, STYPE = c360.ab_state);
CREATE AGGREGATE pg_temp.ab_rollup(c360.ab_state) (SFUNC = c360.ab_merge, STYPE = c360.ab_state);
CREATE AGGREGATE pg_temp.upl_partial(float8, boolean, boolean, float8) (SFUNC = c360.uplift_add, STYPE = c360.uplift_sample);
CREATE AGGREGATE pg_temp.upl_rollup(c360.uplift_sample) (SFUNC = c360.uplift_merge, STYPE = c360.uplift_sample);
CREATE TEMP TABLE shards AS
SELECT customer_id % 4 AS shard, pg_temp.ab_partial(treated, spend)::text AS ab_text,
       pg_temp.upl_partial(score, treated, converted, 0.2)::text AS upl_text
FROM camp GROUP BY 1;
SELECT count(*) AS shards, bool_and(ab_text::c360.ab_state::text = ab_text) AS ab_text_round_trip,
       bool_and(upl_text::c360.uplift_sample::text = upl_text) AS sample_text_round_trip
FROM shards;
SELECT abs((c360.lift_mean_final(pg_temp.ab_rollup(ab_text::c360.ab_state))).diff - (s.m).diff) <= 1e-12 * (s.m).mean_control AS welch_same,
       c360.uplift_at_k_final(pg_temp.upl_rollup(upl_text::c360.uplift_sample)) = s.k AS at_k_same
FROM shards, serial_result s GROUP BY s.m, s.k;
SELECT substr(pg_temp.ab_partial(treated, spend)::text, 1, 60) AS state_text_begins
FROM camp WHERE customer_id <= 3;

-- ---- bad input: clear errors or documented NULLs, never a crash --------------------------------
-- a single arm: rates of that arm, no test (NULL)
SELECT n_control, n_treatment, rate_treatment, abs_lift, z, p_value FROM (
    SELECT (c360.lift_binary(true, c)).* FROM (VALUES (true), (false)) v(c)) r;
-- zero conversions in both arms: z undefined (NULL), p = 1; Newcombe limits still defined
SELECT abs_lift, z, p_value, round(newcombe_lower::numeric, 4) AS nl, round(newcombe_upper::numeric, 4) AS nu, rel_lift FROM (
    SELECT (c360.lift_binary(t, false)).* FROM (VALUES (true), (false), (true), (false)) v(t)) r;
-- rates 0 and 1: p stays in [0, 1]
SELECT p_value BETWEEN 0 AND 1 AS p_in_range, z IS NOT NULL AS z_defined FROM (
    SELECT (c360.lift_binary(t, t)).* FROM (SELECT i % 2 = 0 AS t FROM generate_series(1, 100) i) v) r;
-- n < 2 in an arm: means only, no test
SELECT n_control, n_treatment, diff, t, p_value FROM (
    SELECT (c360.lift_mean(t, y)).* FROM (VALUES (true, 1.0::float8), (false, 2.0), (false, 3.0)) v(t, y)) r;
-- no variance at all: p = 1 for equal means
SELECT diff, std_err, p_value FROM (SELECT (c360.lift_mean(t, 5.0)).* FROM (VALUES (true), (false), (true), (false)) v(t)) r;
-- NULL arms and outcomes are skipped and counted
SELECT n_control, n_treatment, skipped FROM (
    SELECT (c360.lift_mean(t, y)).* FROM (VALUES (true, 1.0::float8), (NULL, 2.0), (false, NULL), (false, 3.0)) v(t, y)) r;
-- no rows: NULL
SELECT c360.lift_binary(true, true) IS NULL AS empty_is_null FROM camp WHERE false;
SELECT * FROM (VALUES
    ('NaN spend',            pg_temp.sqlstate_of($$SELECT c360.lift_mean(true, 'NaN'::float8)$$)),
    ('infinite spend',       pg_temp.sqlstate_of($$SELECT c360.lift_mean(true, 'Infinity'::float8)$$)),
    ('NaN covariate',        pg_temp.sqlstate_of($$SELECT c360.lift_cuped(true, 1, 'NaN')$$)),
    ('confidence 1',         pg_temp.sqlstate_of($$SELECT c360.lift_binary(true, true, 1.0)$$)),
    ('confidence NULL',      pg_temp.sqlstate_of($$SELECT c360.lift_binary(true, true, NULL)$$)),
    ('confidence varies',    pg_temp.sqlstate_of($$SELECT c360.lift_binary(true, true, c) FROM (VALUES (0.9), (0.95)) v(c)$$)),
    ('weights sum 0.9',      pg_temp.sqlstate_of($$SELECT c360.assign_arm('1', 's', ARRAY['a', 'b'], ARRAY[0.5, 0.4])$$)),
    ('negative weight',      pg_temp.sqlstate_of($$SELECT c360.assign_arm('1', 's', ARRAY['a', 'b'], ARRAY[1.5, -0.5])$$)),
    ('arms vs weights',      pg_temp.sqlstate_of($$SELECT c360.assign_arm('1', 's', ARRAY['a'], ARRAY[0.5, 0.5])$$)),
    ('NULL arm name',        pg_temp.sqlstate_of($$SELECT c360.assign_arm('1', 's', ARRAY['a', NULL], ARRAY[0.5, 0.5])$$)),
    ('control share 1.5',    pg_temp.sqlstate_of($$SELECT c360.assign_group('1', 's', 1.5)$$)),
    ('hash version 3',       pg_temp.sqlstate_of($$SELECT c360.hash_bucket('s', '1', 3)$$)),
    ('srm one arm',          pg_temp.sqlstate_of($$SELECT c360.srm_test(ARRAY[10]::int8[])$$)),
    ('srm weights length',   pg_temp.sqlstate_of($$SELECT c360.srm_test(ARRAY[10, 20]::int8[], ARRAY[1.0])$$)),
    ('srm NULL count',       pg_temp.sqlstate_of($$SELECT c360.srm_test(ARRAY[10, NULL]::int8[])$$)),
    ('srm NULL, NULL',       pg_temp.sqlstate_of($$SELECT c360.srm_test(NULL, NULL)$$)),
    ('srm NULL counts',      pg_temp.sqlstate_of($$SELECT c360.srm_test(NULL::int8[], '{0.5,0.5}')$$)),
    ('sample size rate 0',   pg_temp.sqlstate_of($$SELECT c360.sample_size(0, 0.01)$$)),
    ('sample size mde 0',    pg_temp.sqlstate_of($$SELECT c360.sample_size(0.1, 0)$$)),
    ('sample size past 1',   pg_temp.sqlstate_of($$SELECT c360.sample_size(0.9, 0.2)$$)),
    ('power n 0',            pg_temp.sqlstate_of($$SELECT c360.power(0.1, 0.01, 0)$$)),
    ('roi cost 0',           pg_temp.sqlstate_of($$SELECT c360.campaign_roi((SELECT c360.lift_mean(i % 2 = 0, i) FROM generate_series(1, 10) i), 0)$$)),
    ('roi margin 2',         pg_temp.sqlstate_of($$SELECT c360.campaign_roi((SELECT c360.lift_mean(i % 2 = 0, i) FROM generate_series(1, 10) i), 10, 2)$$)),
    ('NaN score',            pg_temp.sqlstate_of($$SELECT c360.qini_auc('NaN', true, true)$$)),
    ('k 0',                  pg_temp.sqlstate_of($$SELECT c360.uplift_at_k(1, true, true, 0)$$)),
    ('k varies',             pg_temp.sqlstate_of($$SELECT c360.uplift_at_k(1, true, true, k) FROM (VALUES (0.1), (0.2)) v(k)$$)),
    ('bins 0',               pg_temp.sqlstate_of($$SELECT c360.uplift_by_percentile(1, true, true, 0)$$)),
    ('points 0',             pg_temp.sqlstate_of($$SELECT c360.uplift_curve(1, true, true, 0)$$)),
    ('corrupt ab_state',     pg_temp.sqlstate_of($$SELECT 'ab1(2,0.95,0;1,2,3,4,5,6;1,2,-3,4,5,6)'::c360.ab_state$$)),
    ('truncated ab_state',   pg_temp.sqlstate_of($$SELECT 'ab1(2,0.95,0;1,2,3'::c360.ab_state$$)),
    ('binary state in mean', pg_temp.sqlstate_of($$SELECT c360.lift_mean_final('ab1(1,0.95,0;0,0,0,0,0,0;0,0,0,0,0,0)')$$)),
    ('corrupt sample',       pg_temp.sqlstate_of($$SELECT 'upl1(0.3;2;1,1,1;2,5,0)'::c360.uplift_sample$$)),
    ('sample count lies',    pg_temp.sqlstate_of($$SELECT 'upl1(0.3;3;1,1,1;2,1,0)'::c360.uplift_sample$$)),
    ('sample NaN score',     pg_temp.sqlstate_of($$SELECT 'upl1(0.3;1;NaN,1,1)'::c360.uplift_sample$$))
) AS t(input, outcome);
-- a group absent from the top k: NULL (scikit-uplift returns NaN)
SELECT c360.uplift_at_k(s, t, c, 0.5) AS at_k FROM (VALUES (3.0, true, true), (2.0, true, false), (1.0, false, true), (0.5, false, false)) v(s, t, c);
-- a backend that survived all of that
SELECT c360.assign_group('42', 'holdout-2024', 0.1) AS still_alive;
