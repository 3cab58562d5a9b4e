--
-- CDNOW (Fader, Hardie & Lee 2005 sample, 2,357 customers): recomputing the BTYD summary with
-- c360.rfm reproduces data/cdnow/cdnow_customers_summary*.csv (the published summaries shipped
-- with the lifetimes package) for every customer.
-- Rule (data/README.md): same-day orders merged; calibration ends 1997-09-30 inclusive; weeks.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

\set sample_file :abs_srcdir '/data/cdnow/CDNOW_sample.txt'
\set summary_file :abs_srcdir '/data/cdnow/cdnow_customers_summary.csv'
\set summary_tx_file :abs_srcdir '/data/cdnow/cdnow_customers_summary_with_transactions.csv'

-- the file is whitespace-separated, CRLF: one line per row, split in SQL
CREATE TABLE cdnow_lines (line text);
COPY cdnow_lines FROM :'sample_file';
CREATE TABLE cdnow AS
SELECT f[2]::int AS customer_id, to_date(f[3], 'YYYYMMDD') AS day, f[4]::int AS cds, f[5]::float8 AS amount
FROM (SELECT regexp_split_to_array(btrim(line, E' \t\r'), '\s+') AS f FROM cdnow_lines) t;
-- 6,919 transactions, 2,357 customers, $244,091.94 (../shared/reference/clv.md)
SELECT count(*) AS transactions, count(DISTINCT customer_id) AS customers,
       round(sum(amount)::numeric, 2) AS dollars, min(day), max(day)
FROM cdnow;

-- same-day orders merged; dates as UTC midnights so that day differences are whole days
CREATE VIEW cdnow_days AS
SELECT customer_id, day::timestamp AT TIME ZONE 'UTC' AS ts, sum(amount) AS amount
FROM cdnow GROUP BY customer_id, day;

CREATE TABLE btyd AS
SELECT customer_id,
       (s).frequency - 1 AS x,
       ((s).tenure_days - (s).recency_days) / 7 AS t_x,
       (s).tenure_days / 7 AS t_cal,
       coalesce((s).avg_repeat_value, 0) AS zbar
FROM (SELECT customer_id, c360.rfm(ts, amount, TIMESTAMPTZ '1997-09-30 00:00+00') AS s
      FROM cdnow_days GROUP BY customer_id) t;

-- the date form of the aggregate gives the same summaries, in any session time zone
SET TimeZone = 'America/New_York';
SELECT count(*) AS customers, count(*) FILTER (WHERE d.s IS DISTINCT FROM t.s) AS differing
FROM (SELECT customer_id, c360.rfm(day, amount, DATE '1997-09-30') AS s
      FROM (SELECT customer_id, day, sum(amount) AS amount FROM cdnow GROUP BY 1, 2) x GROUP BY customer_id) d
JOIN (SELECT customer_id, c360.rfm(ts, amount, TIMESTAMPTZ '1997-09-30 00:00+00') AS s
      FROM cdnow_days GROUP BY customer_id) t USING (customer_id);
SET TimeZone = 'UTC';

CREATE TABLE ref_summary (id int, frequency int, recency float8, t float8);
COPY ref_summary FROM :'summary_file' (FORMAT csv, HEADER true);
CREATE TABLE ref_summary_tx (id int, x int, t_x float8, t float8, zbar float8);
COPY ref_summary_tx FROM :'summary_tx_file' (FORMAT csv, HEADER true);

-- the files hold 2-decimal values: compare at that precision (t_x, T are k/7, never a tie)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE b.x <> r.frequency) AS x_mismatch,
       count(*) FILTER (WHERE round(b.t_x::numeric, 2) <> round(r.recency::numeric, 2)) AS t_x_mismatch,
       count(*) FILTER (WHERE round(b.t_cal::numeric, 2) <> round(r.t::numeric, 2)) AS t_mismatch
FROM btyd b FULL JOIN ref_summary r ON r.id = b.customer_id;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE b.x <> r.x) AS x_mismatch,
       count(*) FILTER (WHERE round(b.zbar::numeric, 2) <> round(r.zbar::numeric, 2)) AS zbar_mismatch
FROM btyd b FULL JOIN ref_summary_tx r ON r.id = b.customer_id;

-- published facts of this summary: sum x = 2,457; 1,411 zero repeaters; 946 repeaters whose
-- mean zbar is 35.08; T between 27.00 and 38.86 weeks
SELECT sum(x) AS sum_x, count(*) FILTER (WHERE x = 0) AS zero_repeaters,
       count(*) FILTER (WHERE x > 0) AS repeaters,
       round(avg(zbar) FILTER (WHERE x > 0)::numeric, 2) AS mean_zbar,
       round(min(t_cal)::numeric, 2) AS min_t, round(max(t_cal)::numeric, 2) AS max_t
FROM btyd;

-- customer 1 of the published summary: x = 2, t_x = 30.43, T = 38.86, zbar = 22.35
SELECT customer_id, x, round(t_x::numeric, 4) AS t_x, round(t_cal::numeric, 4) AS t_cal, zbar
FROM btyd WHERE customer_id = 1;

-- scores over the whole period: the 1,218 customers who bought on a single day share F = 1
SELECT f, count(*) AS customers
FROM c360.rfm_scores('cdnow_days', 'customer_id', 'ts', 'amount', '1998-07-01 00:00+00')
WHERE frequency = 1 GROUP BY f;
-- where PostgreSQL's NTILE scatters them over three scores
SELECT nt AS ntile_f, count(*) AS one_day_buyers
FROM (SELECT (s).frequency, ntile(5) OVER (ORDER BY (s).frequency) AS nt
      FROM (SELECT customer_id, c360.rfm(ts, amount, '1998-07-01 00:00+00') AS s
            FROM cdnow_days GROUP BY customer_id) t) u
WHERE frequency = 1 GROUP BY nt ORDER BY nt;

-- score distribution and segment sizes on the sample (sum: 2,357 customers)
SELECT f, count(*) AS customers, min(frequency), max(frequency)
FROM c360.rfm_scores('cdnow_days', 'customer_id', 'ts', 'amount', '1998-07-01 00:00+00')
GROUP BY f ORDER BY f;
SELECT segment, count(*) AS customers, round(sum(monetary)::numeric, 2) AS revenue
FROM c360.rfm_scores('cdnow_days', 'customer_id', 'ts', 'amount', '1998-07-01 00:00+00')
GROUP BY segment ORDER BY customers DESC, segment;

DROP VIEW cdnow_days;
DROP TABLE cdnow_lines, cdnow, btyd, ref_summary, ref_summary_tx;
