-- bench/ltv (see run.sh)
\set QUIET on
\pset footer off
CREATE EXTENSION customer360;
CREATE TEMP TABLE timings (what text, seconds float8);
CREATE FUNCTION pg_temp.time_it(what text, query text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE query;
    INSERT INTO timings VALUES (what, extract(epoch FROM clock_timestamp() - t0));
END $$;

-- CDNOW sample: summary, then the three fits
CREATE TABLE cdnow_lines (line text);
COPY cdnow_lines FROM :'sample_file';
CREATE TABLE cdnow AS
SELECT f[2]::int AS customer_id, to_date(f[3], 'YYYYMMDD') AS day, f[5]::float8 AS amount
FROM (SELECT regexp_split_to_array(btrim(line, E' \t\r'), '\s+') AS f FROM cdnow_lines) t;
SELECT pg_temp.time_it('CDNOW: c360.btyd_summary (6,919 orders)',
    $q$CREATE TABLE summary AS SELECT * FROM c360.btyd_summary('cdnow', 'customer_id', 'day', 'amount', '1997-09-30')$q$);
SELECT pg_temp.time_it('CDNOW: bgnbd_fit (2,357 customers)', 'SELECT c360.bgnbd_fit(x, t_x, "T") FROM summary');
SELECT pg_temp.time_it('CDNOW: pareto_nbd_fit', 'SELECT c360.pareto_nbd_fit(x, t_x, "T") FROM summary');
SELECT pg_temp.time_it('CDNOW: gamma_gamma_fit', 'SELECT c360.gamma_gamma_fit(x, mean_value) FROM summary');

-- simulated customers: CDNOW's summaries replicated with their first purchase moved by 0-6 days
-- (a population the models fit, at the requested size)
SELECT setseed(0.42);
CREATE TABLE sim AS
SELECT row_number() OVER () AS customer_id, x, CASE WHEN x = 0 THEN 0 ELSE t_x END AS t_x, "T" + shift / 7.0 AS "T", mean_value
FROM (SELECT s.x, s.t_x, s."T", s.mean_value, floor(random() * 7) AS shift
      FROM summary s, generate_series(1, ceil(:customers / 2357.0)::int) k) r
LIMIT :customers;
VACUUM ANALYZE sim;
SELECT count(*) AS customers, count(DISTINCT (x, t_x, "T")) AS distinct_summaries FROM sim;
SELECT pg_temp.time_it('simulated: bgnbd_fit', 'CREATE TABLE bg AS SELECT c360.bgnbd_fit(x, t_x, "T") AS m FROM sim');
SELECT pg_temp.time_it('simulated: gamma_gamma_fit', 'CREATE TABLE gg AS SELECT c360.gamma_gamma_fit(x, mean_value) AS m FROM sim');
SELECT pg_temp.time_it('simulated (first 100,000): pareto_nbd_fit',
                       'SELECT c360.pareto_nbd_fit(x, t_x, "T") FROM sim WHERE customer_id <= 100000');

-- predictions over every customer: P(alive) in C vs the same closed form in plain SQL
-- (the model is a constant in both queries, as an analyst would paste it or read it in a CTE)
SELECT (m).r AS r, (m).alpha AS alpha, (m).a AS a, (m).b AS b, m::text AS bg_text FROM bg \gset
SELECT g.m::text AS gg_text FROM gg g \gset
SELECT pg_temp.time_it('predict: sum(c360.bgnbd_p_alive)',
    format('SELECT sum(c360.bgnbd_p_alive(%L::c360.bgnbd_model, x, t_x, "T")) FROM sim', :'bg_text'));
SELECT pg_temp.time_it('predict: the same P(alive) in plain SQL',
    format('SELECT sum(CASE WHEN x = 0 THEN 1 ELSE 1 / (1 + %s / (%s + x - 1) * power((%s + "T") / (%s + t_x), %s + x)) END) FROM sim',
           :a, :b, :alpha, :alpha, :r));
SELECT pg_temp.time_it('predict: sum(c360.bgnbd_expected(39 weeks))',
    format('SELECT sum(c360.bgnbd_expected(%L::c360.bgnbd_model, 39, x, t_x, "T")) FROM sim', :'bg_text'));
SELECT pg_temp.time_it('predict: sum(c360.clv(12 months))',
    format('SELECT sum(c360.clv(%L::c360.bgnbd_model, %L::c360.gamma_gamma_model, x, t_x, "T", mean_value)) FROM sim',
           :'bg_text', :'gg_text'));
SELECT pg_temp.time_it('scan only: sum(x)', 'SELECT sum(x) FROM sim');

-- iterated fits (c360.*_train: one aggregate pass per optimiser request) against the aggregate (all summaries
-- gathered, fitted in the final function, single-threaded): 100,000 customers with continuous T (the first
-- purchase moved by a continuous 0-1 week, mean values by up to 0.1 %), so that no two summaries are alike
-- and compression cannot help.
-- Three rounds; the ratios are medians over the rounds (the machine is noisy).
CREATE TABLE sim_cont AS
SELECT customer_id, x, t_x, "T" + random() AS "T", mean_value * (1 + random() / 1000) AS mean_value FROM sim WHERE customer_id <= 100000;
VACUUM ANALYZE sim_cont;
CREATE TEMP TABLE rounds (round int, what text, seconds float8);
CREATE FUNCTION pg_temp.round_it(k int, what text, query text, workers int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
    PERFORM set_config('parallel_setup_cost', '0', true);
    PERFORM set_config('min_parallel_table_scan_size', '0', true);
    t0 := clock_timestamp();
    EXECUTE query;
    INSERT INTO rounds VALUES (k, what, extract(epoch FROM clock_timestamp() - t0));
END $$;
SELECT pg_temp.round_it(k, w.what, w.query, w.workers)
FROM generate_series(1, 3) k,
     (VALUES (1, 'pareto_nbd_fit (aggregate)', 'SELECT c360.pareto_nbd_fit(x, t_x, "T") FROM sim_cont', 0),
             (2, 'pareto_nbd_train, no worker', $q$SELECT c360.pareto_nbd_train('sim_cont')$q$, 0),
             (3, 'pareto_nbd_train, 2 workers', $q$SELECT c360.pareto_nbd_train('sim_cont')$q$, 2),
             (4, 'gamma_gamma_fit (aggregate)', 'SELECT c360.gamma_gamma_fit(x, mean_value) FROM sim_cont', 0),
             (5, 'gamma_gamma_train, 2 workers', $q$SELECT c360.gamma_gamma_train('sim_cont')$q$, 2)
     ) AS w(i, what, query, workers)
ORDER BY k, w.i;
CREATE TABLE cont_fits AS SELECT c360.pareto_nbd_fit(x, t_x, "T") AS agg, c360.pareto_nbd_train('sim_cont') AS it FROM sim_cont;

\set QUIET off
SELECT what, round(seconds::numeric, 3) AS seconds FROM timings;
SELECT round(((SELECT seconds FROM timings WHERE what LIKE 'predict: sum(c360.bgnbd_p_alive)%')
            / (SELECT seconds FROM timings WHERE what LIKE 'predict: the same%'))::numeric, 2) AS "p_alive: c360 / plain SQL";
SELECT (m).converged, round((m).r::numeric, 4) AS r, round((m).alpha::numeric, 4) AS alpha, round((m).a::numeric, 4) AS a,
       round((m).b::numeric, 4) AS b, (m).iterations, (m).distinct_summaries FROM bg;
SELECT what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::numeric, 2) AS median_seconds,
       round(min(seconds)::numeric, 2) AS min_seconds, round(max(seconds)::numeric, 2) AS max_seconds
FROM rounds GROUP BY what ORDER BY min(round), what;
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY t.seconds / a.seconds)::numeric, 2) AS "pareto_nbd_train no worker / aggregate",
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.seconds / a.seconds)::numeric, 2) AS "pareto_nbd_train 2 workers / aggregate",
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.seconds / t.seconds)::numeric, 2) AS "2 workers / no worker"
FROM rounds a JOIN rounds t USING (round) JOIN rounds p USING (round)
WHERE a.what = 'pareto_nbd_fit (aggregate)' AND t.what = 'pareto_nbd_train, no worker' AND p.what = 'pareto_nbd_train, 2 workers';
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.seconds / a.seconds)::numeric, 2) AS "gamma_gamma_train 2 workers / aggregate"
FROM rounds a JOIN rounds p USING (round) WHERE a.what = 'gamma_gamma_fit (aggregate)' AND p.what = 'gamma_gamma_train, 2 workers';
SELECT (agg).iterations AS aggregate_iterations, (it).iterations AS train_iterations,
       round((abs((it).log_likelihood - (agg).log_likelihood) / abs((agg).log_likelihood))::numeric, 15) AS ll_relative_difference,
       greatest(abs((it).r / (agg).r - 1), abs((it).alpha / (agg).alpha - 1), abs((it).s / (agg).s - 1),
                abs((it).beta / (agg).beta - 1)) < 1e-5 AS params_within_1e_5
FROM cont_fits;
