-- bench/rfm: c360.rfm vs the built-in floor and vs the plain-SQL RFM an analyst writes.
-- Timing = server execution time (EXPLAIN ANALYZE, TIMING OFF), median of :reps runs, in one session.
\set QUIET on
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE EXTENSION IF NOT EXISTS customer360;

DROP TABLE IF EXISTS orders;
CREATE TABLE orders (customer_id int, order_ts timestamptz, amount float8);
-- :orders orders over :customers customers across 3 years, deterministic
INSERT INTO orders
SELECT (i * 7919) % :customers,
       timestamptz '2021-01-01 00:00+00' + ((i * 104729) % (3 * 365 * 86400)) * interval '1 second',
       ((i * 15485863) % 50000) / 100.0
FROM generate_series(1::bigint, :orders) AS i;
VACUUM ANALYZE orders;

CREATE OR REPLACE FUNCTION pg_temp.bench_ms(query text, reps int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    plan json;
    times float8[] := '{}';
BEGIN
    FOR i IN 1 .. reps LOOP
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || query INTO plan;
        times := times || (plan -> 0 ->> 'Execution Time')::float8;
    END LOOP;
    RETURN (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times) t);
END $$;

CREATE TEMP TABLE results (label text, workers int, ms float8);

SET max_parallel_workers_per_gather = 0;
INSERT INTO results SELECT 'floor: GROUP BY with count/sum/min/max', 0, pg_temp.bench_ms($q$
    SELECT customer_id, count(*), sum(amount), min(order_ts), max(order_ts)
    FROM orders WHERE order_ts <= '2024-01-01' GROUP BY customer_id $q$, :reps);
INSERT INTO results SELECT 'c360.rfm: GROUP BY', 0, pg_temp.bench_ms($q$
    SELECT customer_id, c360.rfm(order_ts, amount, '2024-01-01') FROM orders GROUP BY customer_id $q$, :reps);
INSERT INTO results SELECT 'plain SQL RFM: GROUP BY + 3 NTILE windows', 0, pg_temp.bench_ms($q$
    WITH agg AS (
        SELECT customer_id, DATE '2024-01-01' - max(order_ts)::date AS recency_days,
               count(*) AS frequency, sum(amount) AS monetary
        FROM orders WHERE order_ts <= '2024-01-01' GROUP BY customer_id)
    SELECT customer_id, recency_days, frequency, monetary,
           ntile(5) OVER (ORDER BY recency_days DESC) AS r,
           ntile(5) OVER (ORDER BY frequency) AS f,
           ntile(5) OVER (ORDER BY monetary) AS m
    FROM agg $q$, :reps);
INSERT INTO results SELECT 'c360 pipeline inline: rfm + rfm_breaks + rfm_score', 0, pg_temp.bench_ms($q$
    WITH summary AS MATERIALIZED (
        SELECT customer_id, (s).recency_days, (s).frequency::float8 AS frequency, (s).monetary
        FROM (SELECT customer_id, c360.rfm(order_ts, amount, '2024-01-01') AS s FROM orders GROUP BY customer_id) g
        WHERE (s).frequency > 0),
    breaks AS (SELECT c360.rfm_breaks(recency_days, frequency, monetary) AS b FROM summary)
    SELECT customer_id, recency_days, frequency, monetary, (sc).r, (sc).f, (sc).m, (sc).segment
    FROM (SELECT t.*, c360.rfm_score(t.recency_days, t.frequency, t.monetary, breaks.b) AS sc
          FROM summary t CROSS JOIN breaks OFFSET 0) scored $q$, :reps);
INSERT INTO results SELECT 'c360.rfm_scores: summaries + tie-stable scores + segments', 0, pg_temp.bench_ms($q$
    SELECT * FROM c360.rfm_scores('orders', 'customer_id', 'order_ts', 'amount', '2024-01-01') $q$, :reps);

SET max_parallel_workers_per_gather = 2;
INSERT INTO results SELECT 'floor: GROUP BY with count/sum/min/max', 2, pg_temp.bench_ms($q$
    SELECT customer_id, count(*), sum(amount), min(order_ts), max(order_ts)
    FROM orders WHERE order_ts <= '2024-01-01' GROUP BY customer_id $q$, :reps);
INSERT INTO results SELECT 'c360.rfm: GROUP BY', 2, pg_temp.bench_ms($q$
    SELECT customer_id, c360.rfm(order_ts, amount, '2024-01-01') FROM orders GROUP BY customer_id $q$, :reps);
INSERT INTO results SELECT 'floor: whole table count/sum/min/max', 2, pg_temp.bench_ms($q$
    SELECT count(*), sum(amount), min(order_ts), max(order_ts) FROM orders WHERE order_ts <= '2024-01-01' $q$, :reps);
SET max_parallel_workers_per_gather = 0;
INSERT INTO results SELECT 'floor: whole table count/sum/min/max', 0, pg_temp.bench_ms($q$
    SELECT count(*), sum(amount), min(order_ts), max(order_ts) FROM orders WHERE order_ts <= '2024-01-01' $q$, :reps);
INSERT INTO results SELECT 'c360.rfm: whole table (no GROUP BY)', 0, NULL;
SET max_parallel_workers_per_gather = 0;
UPDATE results SET ms = pg_temp.bench_ms($q$ SELECT c360.rfm(order_ts, amount, '2024-01-01') FROM orders $q$, :reps)
WHERE label LIKE '%whole table%' AND workers = 0;
INSERT INTO results SELECT 'c360.rfm: whole table (no GROUP BY)', 2, NULL;
SET max_parallel_workers_per_gather = 2;
UPDATE results SET ms = pg_temp.bench_ms($q$ SELECT c360.rfm(order_ts, amount, '2024-01-01') FROM orders $q$, :reps)
WHERE label LIKE '%whole table%' AND workers = 2;
\set QUIET off
\pset footer off

\echo
\echo 'Median execution time (ms); ratios are measured in this run:'
SELECT label, workers AS parallel_workers, round(ms::numeric, 0) AS ms FROM results ORDER BY workers, ms;

SELECT round(((SELECT ms FROM results WHERE label = 'c360.rfm: GROUP BY' AND workers = 0)
           / (SELECT ms FROM results WHERE label LIKE 'floor: GROUP BY%' AND workers = 0))::numeric, 2)
           AS "c360.rfm / floor (target <= 1.3)",
       round(((SELECT ms FROM results WHERE label LIKE 'c360.rfm_scores%')
           / (SELECT ms FROM results WHERE label LIKE 'plain SQL%'))::numeric, 2)
           AS "c360.rfm_scores / plain-SQL RFM (target < 1)",
       round(((SELECT ms FROM results WHERE label LIKE 'c360 pipeline inline%')
           / (SELECT ms FROM results WHERE label LIKE 'plain SQL%'))::numeric, 2)
           AS "inline c360 pipeline / plain-SQL RFM",
       round(((SELECT ms FROM results WHERE label = 'c360.rfm: GROUP BY' AND workers = 0)
           / (SELECT ms FROM results WHERE label = 'c360.rfm: GROUP BY' AND workers = 2))::numeric, 2)
           AS "GROUP BY speed-up, 2 workers",
       round(((SELECT ms FROM results WHERE label LIKE 'floor: GROUP BY%' AND workers = 0)
           / (SELECT ms FROM results WHERE label LIKE 'floor: GROUP BY%' AND workers = 2))::numeric, 2)
           AS "floor GROUP BY speed-up",
       round(((SELECT ms FROM results WHERE label LIKE 'c360.rfm: whole table%' AND workers = 0)
           / (SELECT ms FROM results WHERE label LIKE 'c360.rfm: whole table%' AND workers = 2))::numeric, 2)
           AS "whole-table speed-up, 2 workers",
       round(((SELECT ms FROM results WHERE label LIKE 'floor: whole table%' AND workers = 0)
           / (SELECT ms FROM results WHERE label LIKE 'floor: whole table%' AND workers = 2))::numeric, 2)
           AS "floor whole-table speed-up";
