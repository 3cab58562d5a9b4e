--
-- c360.rfm in parallel plans: Partial Aggregate -> Gather -> Finalize, same answers as serial,
-- and a Citus-style split (per-shard partial states shipped as text, merged, finalised).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

CREATE TABLE orders_par AS
SELECT i % 1000 AS customer_id,
       CASE WHEN i % 211 = 0 THEN NULL
            ELSE timestamptz '2023-01-01 00:00+00' + ((i * 7919) % 700) * interval '1 day'
                 + ((i * 31) % 86400) * interval '1 second' END AS ts,
       CASE WHEN i % 97 = 0 THEN NULL ELSE ((i * 104729) % 50000) / 100.0 END::float8 AS amount
FROM generate_series(1::bigint, 200000) AS i;
ANALYZE orders_par;

-- serial reference
SET max_parallel_workers_per_gather = 0;
CREATE TABLE rfm_serial AS
SELECT customer_id, c360.rfm(ts, amount, '2024-06-30') AS s FROM orders_par GROUP BY customer_id;
CREATE TABLE rfm_serial_total AS
SELECT c360.rfm(ts, amount, '2024-06-30') AS s FROM orders_par;

-- parallel: force a parallel plan, and run every row through the workers
:force_parallel

EXPLAIN (COSTS OFF) SELECT c360.rfm(ts, amount, '2024-06-30') FROM orders_par;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT customer_id, c360.rfm(ts, amount, '2024-06-30') FROM orders_par GROUP BY customer_id;
RESET enable_hashagg;
SET enable_sort = off;
EXPLAIN (COSTS OFF)
SELECT customer_id, c360.rfm(ts, amount, '2024-06-30') FROM orders_par GROUP BY customer_id;
RESET enable_sort;

CREATE TABLE rfm_parallel AS
SELECT customer_id, c360.rfm(ts, amount, '2024-06-30') AS s FROM orders_par GROUP BY customer_id;

-- identical, field by field and to the last bit of every float8
SELECT count(*) AS customers,
       count(*) FILTER (WHERE p.s IS DISTINCT FROM r.s) AS differing,
       count(*) FILTER (WHERE p.s::text IS DISTINCT FROM r.s::text) AS differing_text
FROM rfm_serial r FULL JOIN rfm_parallel p USING (customer_id);
SELECT (SELECT s FROM rfm_serial_total) = c360.rfm(ts, amount, '2024-06-30') AS total_identical
FROM orders_par;

-- what the whole table looks like (checked against built-in aggregates below)
SELECT (s).frequency, round((s).monetary::numeric, 2) AS monetary, (s).first_order, (s).last_order,
       (s).ignored_orders
FROM rfm_serial_total;
SELECT count(*) FILTER (WHERE ts IS NOT NULL AND ts <= '2024-06-30') AS frequency,
       round(sum(coalesce(amount, 0)) FILTER (WHERE ts IS NOT NULL AND ts <= '2024-06-30')::numeric, 2) AS monetary,
       min(ts) AS first_order,
       max(ts) FILTER (WHERE ts <= '2024-06-30') AS last_order,
       count(*) FILTER (WHERE ts IS NULL OR ts > '2024-06-30') AS ignored_orders
FROM orders_par;

-- per customer, against built-in aggregates (exact except money: compensated vs plain sum)
SELECT count(*) AS customers_checked,
       count(*) FILTER (WHERE (r.s).frequency <> b.n OR (r.s).last_order <> b.last_ts
                              OR (r.s).first_order <> b.first_ts
                              OR abs((r.s).monetary - b.money) > 1e-9 * abs(b.money)) AS mismatches
FROM rfm_serial r
JOIN (SELECT customer_id, count(*) AS n, sum(coalesce(amount, 0)) AS money, min(ts) AS first_ts, max(ts) AS last_ts
      FROM orders_par WHERE ts <= '2024-06-30' GROUP BY customer_id) b USING (customer_id);

-- an error raised inside a parallel worker reaches the client as a normal error
CREATE TABLE orders_bad AS SELECT * FROM orders_par;
INSERT INTO orders_bad VALUES (7, '2024-01-01', 'NaN');
ANALYZE orders_bad;
EXPLAIN (COSTS OFF) SELECT c360.rfm(ts, amount, '2024-06-30') FROM orders_bad;
SELECT pg_temp.sqlstate_of($$SELECT c360.rfm(ts, amount, '2024-06-30') FROM orders_bad$$) AS worker_error;
SELECT count(*) AS backend_alive FROM orders_bad;
DROP TABLE orders_bad;

-- Citus-style: partial states per shard, shipped as text, parsed, merged and finalised
:reset_parallel
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS customers, count(*) FILTER (WHERE m.s IS DISTINCT FROM r.s) AS differing
FROM (SELECT customer_id, c360.rfm_final(c360.rfm_rollup(state_text::c360.rfm_state)) AS s
      FROM (SELECT customer_id, shard, c360.rfm_partial(ts, amount, '2024-06-30')::text AS state_text
            FROM (SELECT *, hashtext(coalesce(ts::text, '') || coalesce(amount::text, '')) & 3 AS shard
                  FROM orders_par) sharded
            GROUP BY customer_id, shard) per_shard
      GROUP BY customer_id) m
JOIN rfm_serial r USING (customer_id);

DROP TABLE orders_par, rfm_serial, rfm_serial_total, rfm_parallel;
