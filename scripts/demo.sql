-- customer360 demo: RFM report on the CDNOW cohort (23,570 customers, 1997-01 .. 1998-06).
\set QUIET on
SET TimeZone = 'UTC';
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS customer360;

CREATE TABLE cdnow_lines (line text);
COPY cdnow_lines FROM :'data_file';
CREATE TABLE orders AS
SELECT f[1]::int AS customer_id, to_date(f[2], 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC' AS order_ts,
       f[4]::float8 AS amount
FROM (SELECT regexp_split_to_array(btrim(line, E' \t\r'), '\s+') AS f FROM cdnow_lines) t
WHERE f[1] ~ '^[0-9]+$';
CREATE TABLE rfm AS
SELECT * FROM c360.rfm_scores('orders', 'customer_id', 'order_ts', 'amount', TIMESTAMPTZ '1998-07-01 00:00+00');
\set QUIET off
\pset footer off

\echo
\echo '=== customer360: RFM report on the CDNOW cohort, as of 1998-07-01 ==='
SELECT c360.version() AS extension,
       (SELECT count(*) FROM orders) AS orders,
       (SELECT count(*) FROM rfm) AS customers,
       (SELECT round(sum(monetary)::numeric, 2) FROM rfm) AS revenue;

\echo 'Segments (rules in docs/rfm.md):'
SELECT segment,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "% customers",
       round(sum(monetary)::numeric, 0) AS revenue,
       round((100 * sum(monetary) / sum(sum(monetary)) OVER ())::numeric, 1) AS "% revenue",
       round(avg(recency_days)::numeric, 0) AS "avg recency (days)",
       round(avg(frequency)::numeric, 1) AS "avg orders",
       round(avg(monetary)::numeric, 2) AS "avg spend"
FROM rfm GROUP BY segment ORDER BY sum(monetary) DESC;

\echo 'Customers per R (rows) x F (columns) score; ties share a score, so empty columns are possible:'
SELECT r AS "R \ F",
       count(*) FILTER (WHERE f = 1) AS "F1", count(*) FILTER (WHERE f = 2) AS "F2",
       count(*) FILTER (WHERE f = 3) AS "F3", count(*) FILTER (WHERE f = 4) AS "F4",
       count(*) FILTER (WHERE f = 5) AS "F5"
FROM rfm GROUP BY r ORDER BY r DESC;

\echo 'Score boundaries actually used:'
SELECT s.score,
       (SELECT min(recency_days)::int || '-' || max(recency_days)::int FROM rfm WHERE r = s.score) AS "recency days (R)",
       (SELECT min(frequency) || '-' || max(frequency) FROM rfm WHERE f = s.score) AS "orders (F)",
       (SELECT round(min(monetary)::numeric) || '-' || round(max(monetary)::numeric) FROM rfm WHERE m = s.score) AS "spend (M)"
FROM generate_series(5, 1, -1) AS s(score);

\echo 'Top 5 customers by spend, with their full RFM summary:'
SELECT customer_id, (s).frequency AS orders, round((s).monetary::numeric, 2) AS spend,
       (s).first_order::date AS first_order, (s).last_order::date AS last_order,
       (s).recency_days::int AS recency_days, round((s).avg_order_value::numeric, 2) AS avg_order
FROM (SELECT customer_id, c360.rfm(order_ts, amount, TIMESTAMPTZ '1998-07-01 00:00+00') AS s
      FROM orders GROUP BY customer_id) t
ORDER BY (s).monetary DESC LIMIT 5;
