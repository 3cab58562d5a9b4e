--
-- RFM scores (tie-stable quantiles), segments and the one-call c360.rfm_scores.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- quantile_score = 1 + floor(bins * rank_below / n)
SELECT i AS rank_below, c360.quantile_score(i, 10) AS quintile, c360.quantile_score(i, 10, 4) AS quartile
FROM generate_series(0, 9) AS i;
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('rank_below = n', $$SELECT c360.quantile_score(10, 10)$$),
    ('negative rank',  $$SELECT c360.quantile_score(-1, 10)$$),
    ('n = 0',          $$SELECT c360.quantile_score(0, 0)$$),
    ('bins = 0',       $$SELECT c360.quantile_score(0, 10, 0)$$),
    ('bins = 101',     $$SELECT c360.quantile_score(0, 10, 101)$$)
) AS t(label, query);
SELECT c360.quantile_score(NULL, 10) IS NULL AS strict;

-- the segment map: every one of the 125 cells has exactly one named segment
SELECT c360.rfm_segment(r, f, m) AS segment, count(*) AS cells,
       string_agg(r::text || f::text || m::text, ' ' ORDER BY r DESC, f DESC, m DESC) AS rfm_cells
FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m
GROUP BY 1 ORDER BY min(100 * (6 - r) + 10 * (6 - f) + (6 - m));
SELECT pg_temp.sqlstate_of($$SELECT c360.rfm_segment(0, 3, 3)$$) AS error,
       c360.rfm_segment(NULL, 3, 3) IS NULL AS strict;

-- ten customers; six bought once: they share F = 1, as do equal recencies and amounts
CREATE TABLE shop_orders (cust int, placed_at timestamptz, total numeric(10,2));
INSERT INTO shop_orders
SELECT c, timestamptz '2024-01-01 00:00+00' + (k * 10 + c) * interval '1 day', 10 * c
FROM generate_series(1, 10) c, generate_series(1, greatest(1, c - 5)) k;
SELECT cust, count(*) AS orders FROM shop_orders GROUP BY cust ORDER BY cust;
SELECT * FROM c360.rfm_scores('shop_orders', 'cust', 'placed_at', 'total', '2024-12-31') ORDER BY customer_id::int;
SELECT f, count(*), min(frequency), max(frequency)
FROM c360.rfm_scores('shop_orders', 'cust', 'placed_at', 'total', '2024-12-31') GROUP BY f ORDER BY f;
-- NTILE, by contrast, splits the six one-order customers over three scores
SELECT count(DISTINCT nt) AS ntile_scores_for_one_order_buyers
FROM (SELECT frequency, ntile(5) OVER (ORDER BY frequency) AS nt
      FROM c360.rfm_scores('shop_orders', 'cust', 'placed_at', 'total', '2024-12-31')) t
WHERE frequency = 1;

-- quartiles: no segment names (the map is defined on 1-5 scores)
SELECT customer_id, r, f, m, rfm_cell, segment
FROM c360.rfm_scores('shop_orders', 'cust', 'placed_at', 'total', '2024-12-31', 4) ORDER BY customer_id::int LIMIT 3;

-- customers whose orders all come after as_of are not scored
SELECT count(*) AS scored FROM c360.rfm_scores('shop_orders', 'cust', 'placed_at', 'total', '2024-01-15');

-- breakpoints: one aggregate, then a per-customer score (what c360.rfm_scores does inside)
CREATE TABLE shop_summary AS
SELECT cust, (s).recency_days, (s).frequency, (s).monetary
FROM (SELECT cust, c360.rfm(placed_at, total::float8, '2024-12-31') AS s FROM shop_orders GROUP BY cust) t;
SELECT (b).* FROM (SELECT c360.rfm_breaks(recency_days, frequency, monetary) AS b FROM shop_summary) t;
SELECT (b).* FROM (SELECT c360.rfm_breaks(recency_days, frequency, monetary, 3) AS b FROM shop_summary) t;
SELECT cust, sc.*
FROM shop_summary, (SELECT c360.rfm_breaks(recency_days, frequency, monetary) AS b FROM shop_summary) k,
     LATERAL c360.rfm_score(recency_days, frequency, monetary, k.b) sc
ORDER BY cust;

-- equivalence with the rank rule on 5,000 customers with heavy ties, for several bin counts
CREATE TABLE tied AS
SELECT i AS id, (i * 37 % 11)::float8 AS rec, (i * 53 % 7)::float8 AS freq, (i * 71 % 13)::float8 * 1.5 AS mon
FROM generate_series(1, 5000) i;
SELECT bins,
       count(*) FILTER (WHERE sc.r <> c360.quantile_score(rk_r - 1, n, bins)
                           OR sc.f <> c360.quantile_score(rk_f - 1, n, bins)
                           OR sc.m <> c360.quantile_score(rk_m - 1, n, bins)) AS mismatches
FROM (SELECT t.*, rank() OVER (ORDER BY rec DESC) AS rk_r, rank() OVER (ORDER BY freq) AS rk_f,
             rank() OVER (ORDER BY mon) AS rk_m, count(*) OVER () AS n FROM tied t) ranked
CROSS JOIN (VALUES (1), (3), (4), (5), (7), (10), (100)) AS v(bins)
CROSS JOIN LATERAL (SELECT c360.rfm_breaks(rec, freq, mon, v.bins) AS b FROM tied) k
CROSS JOIN LATERAL c360.rfm_score(rec, freq, mon, k.b) sc
GROUP BY bins ORDER BY bins;

-- stored breakpoints score a later snapshot on the same scale
CREATE TABLE stored_breaks AS
SELECT now()::date AS computed_on, c360.rfm_breaks(recency_days, frequency, monetary) AS b FROM shop_summary;
SELECT (c360.rfm_score(400, 1, 5, b)).*, (c360.rfm_score(3, 9, 900, b)).* FROM stored_breaks;

-- hand-made breakpoints, and invalid ones
SELECT (c360.rfm_score(12, 3, 25, ROW(5, 100, '{30,20,10,5}', '{1,2,3,4}', '{10,20,30,40}')::c360.rfm_breaks)).*;
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('wrong length',   $$SELECT c360.rfm_score(1, 1, 1, ROW(5, 9, '{3,2,1}', '{1,2,3,4}', '{1,2,3,4}')::c360.rfm_breaks)$$),
    ('unsorted',       $$SELECT c360.rfm_score(1, 1, 1, ROW(5, 9, '{4,3,2,1}', '{1,3,2,4}', '{1,2,3,4}')::c360.rfm_breaks)$$),
    ('recency rising', $$SELECT c360.rfm_score(1, 1, 1, ROW(5, 9, '{1,2,3,4}', '{1,2,3,4}', '{1,2,3,4}')::c360.rfm_breaks)$$),
    ('NULL array',     $$SELECT c360.rfm_score(1, 1, 1, ROW(5, 9, NULL, '{1,2,3,4}', '{1,2,3,4}')::c360.rfm_breaks)$$),
    ('NULL element',   $$SELECT c360.rfm_score(1, 1, 1, ROW(5, 9, '{4,3,NULL,1}', '{1,2,3,4}', '{1,2,3,4}')::c360.rfm_breaks)$$),
    ('NaN breakpoint', $$SELECT c360.rfm_score(1, 1, 1, ROW(5, 9, '{4,3,2,1}', '{1,2,3,NaN}', '{1,2,3,4}')::c360.rfm_breaks)$$),
    ('bins = 0',       $$SELECT c360.rfm_score(1, 1, 1, ROW(0, 9, '{}', '{}', '{}')::c360.rfm_breaks)$$),
    ('NaN recency',    $$SELECT c360.rfm_score('NaN', 1, 1, ROW(5, 9, '{4,3,2,1}', '{1,2,3,4}', '{1,2,3,4}')::c360.rfm_breaks)$$),
    ('aggregate NaN',  $$SELECT c360.rfm_breaks('NaN', 1, 1)$$),
    ('aggregate bins 0', $$SELECT c360.rfm_breaks(1, 1, 1, 0)$$),
    ('aggregate bins NULL', $$SELECT c360.rfm_breaks(1, 1, 1, NULL)$$),
    ('bins vary',      $$SELECT c360.rfm_breaks(rec, freq, mon, id % 2 + 3) FROM tied$$),
    ('bad state text', $$SELECT 'rfmb1(5,2:1 2 3)'::c360.rfm_sample$$)
) AS t(label, query);
-- rows with a NULL value are not scored; no scorable row: NULL breakpoints
SELECT (c360.rfm_breaks(r, f, m)).customers
FROM (VALUES (1.0, 2.0, 3.0), (NULL, 2.0, 3.0), (4.0, NULL, 1.0)) AS v(r, f, m);
SELECT c360.rfm_breaks(r, f, m) IS NULL AS no_breaks
FROM (VALUES (NULL::float8, 2.0::float8, 3.0::float8)) AS v(r, f, m);

-- parallel: Partial Aggregate in workers, states merged, same breakpoints as serial
SET max_parallel_workers_per_gather = 0;
CREATE TABLE breaks_serial AS SELECT c360.rfm_breaks(rec, freq, mon, 10) AS b FROM tied;
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.rfm_breaks(rec, freq, mon, 10) FROM tied;
SELECT (SELECT b FROM breaks_serial) = c360.rfm_breaks(rec, freq, mon, 10) AS parallel_equals_serial FROM tied;
:reset_parallel
-- the state's text form round-trips (Citus wire format)
SELECT s::text = s::text::c360.rfm_sample::text AS round_trip, left(s::text, 40) AS text_form
FROM (SELECT c360.rfm_breaks_add(c360.rfm_breaks_add(NULL, 10, 2, 0.1), 3.5, 1, 1e-7) AS s) t;
SELECT (c360.rfm_breaks_final(c360.rfm_sample_merge('rfmb1(5,1:10 1 5)', 'rfmb1(5,2:1 3 50,5 2 20)'))).*;
DROP TABLE shop_summary, tied, stored_breaks, breaks_serial;

-- awkward identifiers are quoted, and names cannot inject SQL
CREATE SCHEMA "Sales Data";
CREATE TABLE "Sales Data"."Order Lines" ("Customer ID" text, "when" timestamptz, "amount$" float8);
INSERT INTO "Sales Data"."Order Lines" VALUES ('a', '2024-01-01', 5), ('b', '2024-02-01', 7);
SELECT customer_id, frequency, monetary, rfm_cell
FROM c360.rfm_scores('"Sales Data"."Order Lines"', 'Customer ID', 'when', 'amount$', '2024-12-31')
ORDER BY customer_id;
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('injection in a column name', $$SELECT * FROM c360.rfm_scores('shop_orders', 'cust"; DROP TABLE shop_orders; --', 'placed_at', 'total', now())$$),
    ('unknown table',     $$SELECT * FROM c360.rfm_scores('no_such_table', 'cust', 'placed_at', 'total', now())$$),
    ('NULL as_of',        $$SELECT * FROM c360.rfm_scores('shop_orders', 'cust', 'placed_at', 'total', NULL)$$),
    ('NULL column',       $$SELECT * FROM c360.rfm_scores('shop_orders', NULL, 'placed_at', 'total', now())$$),
    ('bins = 0',          $$SELECT * FROM c360.rfm_scores('shop_orders', 'cust', 'placed_at', 'total', now(), 0)$$),
    ('text amount column',$$SELECT * FROM c360.rfm_scores('"Sales Data"."Order Lines"', 'Customer ID', 'when', 'Customer ID', now())$$)
) AS t(label, query);
SELECT count(*) AS shop_orders_still_there FROM shop_orders;

DROP TABLE shop_orders;
DROP SCHEMA "Sales Data" CASCADE;

-- an order at +-infinity is skipped like a NULL timestamp (one such order failed the whole table: c360.rfm refuses it)
CREATE TABLE inf_orders (c int, ts timestamptz, a numeric);
INSERT INTO inf_orders VALUES (1, '2024-01-01', 10), (1, 'infinity', 5), (2, '-infinity', 1), (2, '2024-02-01', 3),
                              (3, 'infinity', 7), (4, NULL, 2), (4, '2024-03-01', 4);
SELECT customer_id, recency_days, frequency, monetary
FROM c360.rfm_scores('inf_orders', 'c', 'ts', 'a', '2024-06-01') ORDER BY customer_id;
CREATE TABLE fin_orders AS SELECT * FROM inf_orders WHERE isfinite(ts) OR ts IS NULL;
SELECT count(*) AS customers, count(*) FILTER (WHERE with_inf.* IS NOT DISTINCT FROM without.*) AS same_as_without_them
FROM c360.rfm_scores('inf_orders', 'c', 'ts', 'a', '2024-06-01') with_inf
FULL JOIN c360.rfm_scores('fin_orders', 'c', 'ts', 'a', '2024-06-01') without ON without.customer_id = with_inf.customer_id;
DROP TABLE fin_orders;
DROP TABLE inf_orders;
