-- bench/uplift (see run.sh). Each query runs 3 times, alternating; the median time is kept.
\set QUIET on
\pset footer off
CREATE EXTENSION customer360;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE campaign AS
SELECT i AS customer_id, (i * 7919) % 10 <> 0 AS treated,
       ((i * 104729) % 1000) < CASE WHEN (i * 7919) % 10 <> 0 THEN 60 ELSE 50 END AS converted,
       CASE WHEN ((i * 104729) % 1000) < 60 THEN ((i * 2654435761) % 20000) / 100.0 ELSE 0 END::float8 AS spend
FROM generate_series(1::bigint, :rows) i;
VACUUM ANALYZE campaign;
SELECT count(*) FROM campaign;  -- warm the cache

CREATE TEMP TABLE timings (what text, run int, seconds float8);
CREATE FUNCTION pg_temp.time_it(what text, run int, query text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE query;
    INSERT INTO timings VALUES (what, run, extract(epoch FROM clock_timestamp() - t0));
END $$;

-- c360: rates, z, p, Wald and Newcombe CIs, relative lift; Welch t, df, p, CI; incremental totals
\set c360_query 'SELECT c360.lift_binary(treated, converted), c360.lift_mean(treated, spend) FROM campaign'
-- floor: only the per-arm sums the formulas need (the formulas themselves cost nothing on one row)
\set floor_query 'SELECT count(*) FILTER (WHERE treated), count(*) FILTER (WHERE NOT treated), avg(converted::int) FILTER (WHERE treated), avg(converted::int) FILTER (WHERE NOT treated), avg(spend) FILTER (WHERE treated), avg(spend) FILTER (WHERE NOT treated), stddev(spend) FILTER (WHERE treated), stddev(spend) FILTER (WHERE NOT treated) FROM campaign'
SELECT pg_temp.time_it('floor', r, :'floor_query'), pg_temp.time_it('c360', r, :'c360_query')
FROM generate_series(1, 3) r;
-- the same in a per-segment report (GROUP BY with 10 groups)
SELECT pg_temp.time_it('floor, 10 groups', r, :'floor_query' || ' GROUP BY customer_id % 10'),
       pg_temp.time_it('c360, 10 groups', r, :'c360_query' || ' GROUP BY customer_id % 10')
FROM generate_series(1, 3) r;

\set QUIET off
SELECT what, round(percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds)::numeric, 3) AS median_seconds,
       round(min(seconds)::numeric, 3) AS min_seconds
FROM timings GROUP BY what ORDER BY what;
SELECT round((SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FROM timings WHERE what = 'c360')::numeric
           / (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FROM timings WHERE what = 'floor')::numeric, 2)
           AS "c360 / floor (target <= 1.3)",
       round((SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FROM timings WHERE what = 'c360, 10 groups')::numeric
           / (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FROM timings WHERE what = 'floor, 10 groups')::numeric, 2)
           AS "c360 / floor, 10 groups";
-- the answer, for the record
SELECT round((b).abs_lift::numeric, 5) AS lift, round((b).z::numeric, 2) AS z, round((m).diff::numeric, 4) AS spend_diff,
       round((m).t::numeric, 2) AS t
FROM (SELECT c360.lift_binary(treated, converted) AS b, c360.lift_mean(treated, spend) AS m FROM campaign) q;
