--
-- Lifetime value on CDNOW (Fader, Hardie & Lee 2005 sample: 2,357 customers, 39-week calibration
-- to 1997-09-30, 39-week holdout). Published values and reproductions: ../shared/reference/clv.md.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
SET TimeZone = 'America/New_York';  -- same-day merging uses the session time zone; dates are plain dates here
\set sample_file :abs_srcdir '/data/cdnow/CDNOW_sample.txt'
\set summary_tx_file :abs_srcdir '/data/cdnow/cdnow_customers_summary_with_transactions.csv'
CREATE TABLE cdnow_lines (line text);
COPY cdnow_lines FROM :'sample_file';
CREATE TABLE cdnow AS
SELECT f[2]::int AS customer_id, to_date(f[3], 'YYYYMMDD') AS day, f[5]::float8 AS amount
FROM (SELECT regexp_split_to_array(btrim(line, E' \t\r'), '\s+') AS f FROM cdnow_lines) t;
CREATE TABLE published (id int, x int, t_x float8, "T" float8, zbar float8);
COPY published FROM :'summary_tx_file' WITH (FORMAT csv, HEADER true);

-- 1. the summary reproduces the published one (2 decimals) for every customer
CREATE TABLE summary AS SELECT * FROM c360.btyd_summary('cdnow', 'customer_id', 'day', 'amount', '1997-09-30');
SELECT count(*) AS customers, sum(s.x) AS repeat_purchases, count(*) FILTER (WHERE s.x = 0) AS zero_repeaters,
       count(*) FILTER (WHERE s.x <> p.x OR round(s.t_x::numeric, 2) <> p.t_x::numeric
                        OR round(s."T"::numeric, 2) <> p."T"::numeric
                        OR round(coalesce(s.mean_value, 0)::numeric, 2) <> p.zbar::numeric) AS mismatches
FROM summary s JOIN published p ON p.id = s.customer_id::int;

-- 2. BG/NBD: published r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4 (3 decimals, LL 0.05)
CREATE TABLE models AS
SELECT c360.bgnbd_fit(x, t_x, "T") AS bg, c360.pareto_nbd_fit(x, t_x, "T") AS pn,
       c360.gamma_gamma_fit(x, mean_value) AS gg
FROM summary;
SELECT round((bg).r::numeric, 3) AS r, round((bg).alpha::numeric, 3) AS alpha, round((bg).a::numeric, 3) AS a,
       round((bg).b::numeric, 3) AS b, round((bg).log_likelihood::numeric, 1) AS ll, (bg).converged,
       (bg).customers, (bg).distinct_summaries
FROM models;
-- the customer with x = 2, t_x = 30.43, T = 38.86: 1.226 purchases in 39 weeks (abs error < 0.001), P(alive) 0.7266
SELECT abs(c360.bgnbd_expected(bg, 39, 2, 30.43, 38.86) - 1.226) < 0.001 AS expected_ok,
       round(c360.bgnbd_expected(bg, 39, 2, 30.43, 38.86)::numeric, 4) AS expected,
       round(c360.bgnbd_p_alive(bg, 2, 30.43, 38.86)::numeric, 4) AS p_alive,
       round(c360.bgnbd_unconditional(bg, 39)::numeric, 4) AS "E[X(39)] (1.1950)",
       round(c360.bgnbd_unconditional(bg, 52)::numeric, 4) AS "E[X(52)] (1.4440)"
FROM models;

-- 3. Pareto/NBD: published r 0.553, alpha 10.578, s 0.606, beta 11.669, LL -9595.0
SELECT round((pn).r::numeric, 3) AS r, round((pn).alpha::numeric, 3) AS alpha, round((pn).s::numeric, 3) AS s,
       round((pn).beta::numeric, 2) AS beta, round((pn).log_likelihood::numeric, 1) AS ll, (pn).converged
FROM models;
-- customer 1516 (x 26, t_x 30.86, T 31) over 52 weeks: 25.46 (0.01), P(alive) 0.9979 (0.001)
SELECT round(c360.pareto_nbd_expected(pn, 52, 26, 30.86, 31)::numeric, 2) AS expected,
       round(c360.pareto_nbd_p_alive(pn, 26, 30.86, 31)::numeric, 3) AS p_alive,
       round(c360.pareto_nbd_p_alive(pn, 2, 30.43, 38.86)::numeric, 4) AS "p_alive x=2 (0.8691)",
       round(c360.pareto_nbd_unconditional(pn, 52)::numeric, 4) AS "E[X(52)] (1.4734)"
FROM models;
-- t_x = T and alpha = beta are handled (no NaN)
SELECT c360.pareto_nbd_p_alive(pn, 3, 20, 20) BETWEEN 0 AND 1 AS t_x_equals_T,
       c360.pareto_nbd_expected(ROW(0.5, 10, 0.6, 10, 0, true, 0, 0, 0)::c360.pareto_nbd_model, 10, 3, 10, 20) > 0 AS alpha_equals_beta
FROM models;

-- 4. Gamma-Gamma: p 6.25, q 3.74, gamma 15.44, LL -4055.92, 946 repeat buyers
SELECT round((gg).p::numeric, 2) AS p, round((gg).q::numeric, 2) AS q, round((gg).gamma::numeric, 2) AS gamma,
       round((gg).log_likelihood::numeric, 2) AS ll, (gg).customers
FROM models;
-- expected spend of the first 10 customers (Hardie's spreadsheet: 24.65 18.91 35.17 35.17 35.17 71.46 18.91 35.17 27.28 35.17, 0.1)
SELECT string_agg(round(c360.gamma_gamma_expected(gg, x, mean_value)::numeric, 2)::text, ' ' ORDER BY customer_id::int) AS expected_spend
FROM summary, models WHERE customer_id::int <= 10;

-- 5. CLV, 12 months, 1 %/month, weeks: customer 1 at the published parameters 36.2892, x = 0: 8.3690 (1e-3)
SELECT round(c360.clv(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 0, 0, 0)::c360.bgnbd_model,
                      ROW(6.25, 3.74, 15.44, 0, true, 0, 0, 0)::c360.gamma_gamma_model,
                      2, 30.43, 38.86, 22.35)::numeric, 4) AS customer_1,
       round(c360.clv(ROW(0.243, 4.414, 0.793, 2.426, 0, true, 0, 0, 0)::c360.bgnbd_model,
                      ROW(6.25, 3.74, 15.44, 0, true, 0, 0, 0)::c360.gamma_gamma_model,
                      0, 0, 38.86, NULL)::numeric, 4) AS new_customer;
-- the whole base with the fitted models
SELECT round(sum(c360.clv(bg, gg, x, t_x, "T", mean_value))::numeric, 0) AS bgnbd_clv_12_months,
       round(sum(c360.clv(pn, gg, x, t_x, "T", mean_value))::numeric, 0) AS pareto_clv_12_months
FROM summary, models;

-- 6. calibration / holdout: predicted repeat transactions in the 39 holdout weeks
-- (published BG/NBD 1653.4, Pareto/NBD 1665.5; actual 1,882 after same-day merging)
CREATE TABLE holdout AS
SELECT customer_id::text AS customer_id, count(DISTINCT day) AS purchases
FROM cdnow WHERE day BETWEEN '1997-10-01' AND '1998-06-30' GROUP BY 1;
SELECT round(sum(c360.bgnbd_expected(bg, 39, x, t_x, "T"))::numeric, 1) AS bgnbd,
       round(sum(c360.pareto_nbd_expected(pn, 39, x, t_x, "T"))::numeric, 1) AS pareto_nbd,
       (SELECT sum(purchases) FROM holdout) AS actual
FROM summary, models;
-- by calibration frequency (x = 0..6, 7+): actual vs predicted mean per customer
SELECT least(s.x, 7) AS x, count(*) AS customers,
       round(avg(coalesce(h.purchases, 0))::numeric, 3) AS actual,
       round(avg(c360.bgnbd_expected(m.bg, 39, s.x, s.t_x, s."T"))::numeric, 3) AS bgnbd,
       round(avg(c360.pareto_nbd_expected(m.pn, 39, s.x, s.t_x, s."T"))::numeric, 3) AS pareto_nbd
FROM summary s LEFT JOIN holdout h USING (customer_id), models m GROUP BY 1 ORDER BY 1;
