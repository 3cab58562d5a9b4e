--
-- Lifetime value: parallel and Citus-style paths, bad input, corrupted values.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- 60,000 synthetic customers (deterministic), weeks
CREATE TABLE base AS
SELECT i AS customer_id, x, CASE WHEN x = 0 THEN 0 ELSE round((t * ((i * 48271) % 1000) / 1000.0)::numeric, 2)::float8 END AS t_x,
       t AS "T", CASE WHEN x = 0 THEN NULL ELSE 5 + ((i * 16807) % 9000) / 100.0 END AS mean_value
FROM (SELECT i, ((i * 7919) % 1000 / 250)::int * ((i * 104729) % 7 / 3)::int AS x,
             (20 + (i * 2654435761) % 200 / 10.0)::float8 AS t
      FROM generate_series(1::bigint, 60000) i) s;
ANALYZE base;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_fit AS
SELECT c360.bgnbd_fit(x, t_x, "T") AS bg, c360.pareto_nbd_fit(x, t_x, "T") AS pn, c360.gamma_gamma_fit(x, mean_value) AS gg
FROM base;
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.bgnbd_fit(x, t_x, "T") FROM base;
CREATE TABLE parallel_fit AS
SELECT c360.bgnbd_fit(x, t_x, "T") AS bg, c360.pareto_nbd_fit(x, t_x, "T") AS pn, c360.gamma_gamma_fit(x, mean_value) AS gg
FROM base;
:reset_parallel
-- the rows are sorted and compressed before the fit: identical models whatever the split
-- (these synthetic data are not from the models: the BG/NBD and Gamma-Gamma optima lie on the
-- parameter bound 1e5, which the fit reports as converged = false)
SELECT s.bg = p.bg AS bgnbd_same, s.pn = p.pn AS pareto_same, s.gg = p.gg AS gamma_gamma_same,
       (s.bg).converged AS bg_converged, (s.pn).converged AS pn_converged, (s.gg).converged AS gg_converged,
       (s.bg).customers, (s.bg).distinct_summaries
FROM serial_fit s, parallel_fit p;
-- Citus: partial states as text per shard, merged on the coordinator
CREATE AGGREGATE pg_temp.bg_partial(float8, float8, float8) (SFUNC = c360.bgnbd_add, STYPE = c360.clv_sample);
CREATE AGGREGATE pg_temp.bg_rollup(c360.clv_sample) (SFUNC = c360.clv_merge, STYPE = c360.clv_sample);
CREATE TEMP TABLE shards AS
SELECT customer_id % 4 AS shard, pg_temp.bg_partial(x, t_x, "T")::text AS state FROM base GROUP BY 1;
SELECT bool_and(state::c360.clv_sample::text = state) AS text_round_trip,
       c360.bgnbd_final(pg_temp.bg_rollup(state::c360.clv_sample)) = (SELECT bg FROM serial_fit) AS same_model
FROM shards;

-- a model is an ordinary value: stored, read back, used
CREATE TABLE ltv_models (name text PRIMARY KEY, bg c360.bgnbd_model);
INSERT INTO ltv_models SELECT 'synthetic', bg FROM serial_fit;
SELECT round(c360.bgnbd_p_alive(bg, 2, 10, 30)::numeric, 4) > 0 AS usable FROM ltv_models;

-- bad input: clear errors, never a crash
SELECT * FROM (VALUES
    ('t_x > T',             pg_temp.sqlstate_of($$SELECT c360.bgnbd_fit(1, 5, 4)$$)),
    ('negative x',          pg_temp.sqlstate_of($$SELECT c360.bgnbd_fit(-1, 0, 4)$$)),
    ('fractional x',        pg_temp.sqlstate_of($$SELECT c360.pareto_nbd_fit(1.5, 1, 4)$$)),
    ('NaN T',               pg_temp.sqlstate_of($$SELECT c360.bgnbd_fit(0, 0, 'NaN')$$)),
    ('x = 0 with t_x',      pg_temp.sqlstate_of($$SELECT c360.bgnbd_fit(0, 2, 4)$$)),
    ('zero mean value',     pg_temp.sqlstate_of($$SELECT c360.gamma_gamma_fit(2, 0)$$)),
    ('negative horizon',    pg_temp.sqlstate_of($$SELECT c360.bgnbd_expected((SELECT bg FROM serial_fit), -1, 1, 1, 2)$$)),
    ('forged model',        pg_temp.sqlstate_of($$SELECT c360.bgnbd_p_alive(ROW(-1, 1, 1, 1, 0, true, 0, 0, 0)::c360.bgnbd_model, 1, 1, 2)$$)),
    ('NULL parameter',      pg_temp.sqlstate_of($$SELECT c360.bgnbd_p_alive(ROW(NULL, 1, 1, 1, 0, true, 0, 0, 0)::c360.bgnbd_model, 1, 1, 2)$$)),
    ('infinite parameter',  pg_temp.sqlstate_of($$SELECT c360.pareto_nbd_unconditional(ROW('Infinity', 1, 1, 1, 0, true, 0, 0, 0)::c360.pareto_nbd_model, 2)$$)),
    ('clv months 0',        pg_temp.sqlstate_of($$SELECT c360.clv((SELECT bg FROM serial_fit), (SELECT gg FROM serial_fit), 1, 1, 2, 10, 0)$$)),
    ('clv no mean value',   pg_temp.sqlstate_of($$SELECT c360.clv((SELECT bg FROM serial_fit), (SELECT gg FROM serial_fit), 1, 1, 2, NULL)$$)),
    ('expected NULL model', pg_temp.sqlstate_of($$SELECT c360.gamma_gamma_expected(NULL, 1, 1)$$)),
    ('expected NULL x',     pg_temp.sqlstate_of($$SELECT c360.gamma_gamma_expected((SELECT gg FROM serial_fit), NULL, 50)$$)),
    ('clv NULL rate',       pg_temp.sqlstate_of($$SELECT c360.clv((SELECT bg FROM serial_fit), (SELECT gg FROM serial_fit), 1, 1, 2, 10, 12, NULL)$$)),
    ('corrupt sample',      pg_temp.sqlstate_of($$SELECT 'clv1(0;2;1,2,3;1,5,4)'::c360.clv_sample$$)),
    ('sample count lies',   pg_temp.sqlstate_of($$SELECT 'clv1(0;3;1,2,3)'::c360.clv_sample$$)),
    ('sample kind 7',       pg_temp.sqlstate_of($$SELECT 'clv1(7;0)'::c360.clv_sample$$)),
    ('mixed states',        pg_temp.sqlstate_of($$SELECT c360.clv_merge('clv1(0;0)', 'clv1(2;0)')$$)),
    ('time unit 0',         pg_temp.sqlstate_of($$SELECT * FROM c360.btyd_summary('base', 'customer_id', 'x', 'x', '2020-01-01', '0 days')$$)),
    ('summary bad column',  pg_temp.sqlstate_of($$SELECT * FROM c360.btyd_summary('base', 'nope', 'x', 'x', '2020-01-01')$$))
) AS t(input, outcome);
-- a NULL time_unit is refused like every other NULL argument; a discount rate is >= 0 (the return that money
-- forgoes per month: 0 = no discounting), so -0.99 (which multiplied late months by 100^k) and -0.01 are refused
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.btyd_summary('base', 'customer_id', 'x', 'x', '2020-01-01', NULL)$$) AS null_time_unit;
SELECT pg_temp.sqlstate_of($$SELECT c360.clv((SELECT bg FROM serial_fit), (SELECT gg FROM serial_fit), 1, 1, 2, 10, 12, -0.99)$$) AS rate_minus_099,
       pg_temp.sqlstate_of($$SELECT c360.clv((SELECT bg FROM serial_fit), (SELECT gg FROM serial_fit), 1, 1, 2, 10, 12, -0.01)$$) AS rate_minus_001,
       pg_temp.sqlstate_of($$SELECT c360.clv((SELECT bg FROM serial_fit), (SELECT gg FROM serial_fit), 1, 1, 2, 10, 12, 0)$$) AS rate_zero;
-- no customers: NULL; Gamma-Gamma ignores x = 0 rows
SELECT c360.bgnbd_fit(x, t_x, "T") IS NULL AS empty_is_null FROM base WHERE false;
SELECT (c360.gamma_gamma_fit(x, mean_value)).customers = (SELECT count(*) FROM base WHERE x > 0) AS repeaters_only FROM base;
-- extreme customers stay finite: P(alive) in [0, 1]
SELECT c360.bgnbd_p_alive(bg, 1000, 10, 100) AS p_alive_1000_orders_long_ago,
       c360.pareto_nbd_p_alive(pn, 1000, 10, 100) BETWEEN 0 AND 1 AS pnbd_in_range
FROM serial_fit;
-- (rounded: the BG/NBD optimum of these data is on the parameter bound, where the last digits
-- depend on the machine's libm)
SELECT round(c360.bgnbd_p_alive((SELECT bg FROM serial_fit), 1, 1, 2)::numeric, 2) AS still_alive;

-- an order at +-infinity is skipped like a NULL timestamp (one such order failed the whole table)
CREATE TABLE inf_orders (c int, ts timestamptz, a numeric);
INSERT INTO inf_orders VALUES (1, '2024-01-01', 10), (1, '2024-01-20', 5), (1, 'infinity', 5), (2, '-infinity', 1),
                              (2, '2024-02-01', 3), (3, 'infinity', 7), (3, '-infinity', 7);
SELECT * FROM c360.btyd_summary('inf_orders', 'c', 'ts', 'a', '2024-06-01') ORDER BY 1;
DROP TABLE inf_orders;

-- a first purchase on the calibration end (T = 0) carries no repeat information: accepted and skipped,
-- the same models as without those customers, which customers does not count; repeats at T = 0 refused
CREATE TABLE new_orders (c int, ts timestamptz, a numeric);
INSERT INTO new_orders SELECT i % 400, '2024-01-01'::timestamptz + (i * 7919 % 150) * interval '1 day', 10 + i % 7
FROM generate_series(1, 2000) i;
INSERT INTO new_orders VALUES (1001, '2024-06-01', 12), (1002, '2024-06-01 18:00', 8);
CREATE TABLE new_summary AS SELECT * FROM c360.btyd_summary('new_orders', 'c', 'ts', 'a', '2024-06-01');
SELECT count(*) FILTER (WHERE "T" = 0) AS customers_with_t_0, count(*) AS customers FROM new_summary;
SELECT a.bg = b.bg AS bgnbd_same, a.pn = b.pn AS pareto_same, (a.bg).customers AS bg_customers, (a.pn).customers AS pn_customers
FROM (SELECT c360.bgnbd_fit(x, t_x, "T") AS bg, c360.pareto_nbd_fit(x, t_x, "T") AS pn FROM new_summary) a,
     (SELECT c360.bgnbd_fit(x, t_x, "T") AS bg, c360.pareto_nbd_fit(x, t_x, "T") AS pn FROM new_summary WHERE "T" > 0) b;
-- predictions for such a customer: the population's, finite
SELECT c360.bgnbd_p_alive(bg, 0, 0, 0) AS bg_alive, c360.pareto_nbd_p_alive(pn, 0, 0, 0) AS pn_alive,
       abs(c360.bgnbd_expected(bg, 10, 0, 0, 0) - c360.bgnbd_unconditional(bg, 10)) < 1e-9 AS bg_expected_unconditional,
       abs(c360.pareto_nbd_expected(pn, 10, 0, 0, 0) - c360.pareto_nbd_unconditional(pn, 10)) < 1e-9 AS pn_expected_unconditional
FROM (SELECT c360.bgnbd_fit(x, t_x, "T") AS bg, c360.pareto_nbd_fit(x, t_x, "T") AS pn FROM new_summary) f;
SELECT pg_temp.sqlstate_of($$SELECT c360.bgnbd_fit(1, 0, 0)$$) AS repeat_at_t_0,
       pg_temp.sqlstate_of($$SELECT c360.pareto_nbd_fit(0, 0, 0)$$) AS only_t_0;
DROP TABLE new_orders, new_summary;
