--
-- RFM scores (tie-stable quantiles), segments and the one-call c360.rfm_scores.
--
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

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
