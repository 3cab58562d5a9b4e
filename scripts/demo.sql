-- customer360 demo: RFM report on the CDNOW cohort (23,570 customers, 1997-01 .. 1998-06),
-- lifetime value of the same customers (BG/NBD + Gamma-Gamma), a churn model on the IBM Telco
-- customers (7,043), and the Hillstrom e-mail campaign measured against its control group (64,000).
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

-- Churn: a logistic model on the IBM Telco customers (docs/scoring.md has the feature encoding).
\set QUIET on
CREATE TABLE telco (customer_id text, gender text, senior_citizen int, partner text, dependents text,
    tenure int, phone_service text, multiple_lines text, internet_service text, online_security text,
    online_backup text, device_protection text, tech_support text, streaming_tv text, streaming_movies text,
    contract text, paperless_billing text, payment_method text, monthly_charges float8,
    total_charges float8, churn text);
COPY telco FROM :'telco_file' WITH (FORMAT csv, HEADER true, NULL ' ');
CREATE TABLE telco_vocab AS
SELECT (SELECT array_agg(DISTINCT internet_service ORDER BY internet_service) FROM telco) AS internet,
       (SELECT array_agg(DISTINCT contract ORDER BY contract) FROM telco) AS contract,
       (SELECT array_agg(DISTINCT payment_method ORDER BY payment_method) FROM telco) AS payment;
CREATE VIEW telco_features AS
SELECT t.customer_id, t.churn = 'Yes' AS churned,
       ARRAY[(t.gender = 'Male')::int, t.senior_citizen, (t.partner = 'Yes')::int, (t.dependents = 'Yes')::int,
             t.tenure, (t.phone_service = 'Yes')::int, (t.multiple_lines = 'Yes')::int]::float8[]
       || c360.one_hot(t.internet_service, v.internet)
       || ARRAY[(t.online_security = 'Yes')::int, (t.online_backup = 'Yes')::int, (t.device_protection = 'Yes')::int,
                (t.tech_support = 'Yes')::int, (t.streaming_tv = 'Yes')::int, (t.streaming_movies = 'Yes')::int]::float8[]
       || c360.one_hot(t.contract, v.contract)
       || ARRAY[(t.paperless_billing = 'Yes')::int]::float8[]
       || c360.one_hot(t.payment_method, v.payment)
       || ARRAY[t.monthly_charges, t.total_charges] AS x
FROM telco t, telco_vocab v;
CREATE TABLE models AS SELECT 'churn'::text AS name, c360.logit_fit(churned, x) AS model FROM telco_features;
CREATE TABLE churn_scores AS
SELECT f.customer_id, f.churned, c360.logit_predict(m.model, f.x) AS p_churn
FROM telco_features f, models m WHERE array_position(f.x, NULL) IS NULL;  -- the 11 blank total_charges are not scored
\set QUIET off

\echo
\echo '=== customer360: churn model on the Telco customers (c360.logit_fit, same statistics as R glm) ==='
SELECT i.n_used AS customers_used, i.n_skipped AS skipped_blank_total_charges, i.iterations,
       round(i.log_likelihood::numeric, 3) AS log_likelihood, round(i.aic::numeric, 1) AS aic
FROM models m, c360.logit_info(m.model) i;

\echo 'Terms with p < 0.001 (odds ratio per unit, 95% CI):'
SELECT term, round(coef::numeric, 4) AS coef, round(std_err::numeric, 4) AS std_err,
       round(odds_ratio::numeric, 3) AS odds_ratio,
       round(odds_ratio_lower::numeric, 3) || ' .. ' || round(odds_ratio_upper::numeric, 3) AS "95% CI"
FROM models m, c360.logit_summary(m.model, ARRAY['male','senior','partner','dependents','tenure','phone',
     'multiple_lines','fiber','no_internet','online_security','online_backup','device_protect','tech_support',
     'streaming_tv','streaming_movies','one_year','two_year','paperless','pay_credit_card','pay_electronic',
     'pay_mailed','monthly_charges','total_charges'])
WHERE p_value < 0.001 ORDER BY abs(coef / std_err) DESC;

\echo 'Quality of the scores (in-sample):'
SELECT round(c360.auc(p_churn, churned)::numeric, 4) AS auc,
       round(c360.log_loss(p_churn, churned)::numeric, 4) AS log_loss,
       round(c360.brier(p_churn, churned)::numeric, 4) AS brier
FROM churn_scores;

\echo 'Gains by decile of churn score (decile 1 = highest risk):'
SELECT g.bin AS decile, g.customers, g.responders AS churners, round(g.response_rate::numeric, 3) AS churn_rate,
       round(g.lift::numeric, 2) AS lift, round((100 * g.cumulative_gain)::numeric, 1) AS "% of churners reached"
FROM (SELECT c360.gains(p_churn, churned, 10) AS t FROM churn_scores) q, unnest(q.t) g;

-- Lifetime value: Pareto/NBD (purchases) and Gamma-Gamma (spend) fitted on the whole 78-week history.
-- (Pareto/NBD rather than BG/NBD here: BG/NBD assumes that a customer without a repeat purchase is
-- still active, P(alive) = 1, which would flatter the one-time buyers of the "Lost" segment.)
\set QUIET on
CREATE TABLE btyd AS
SELECT * FROM c360.btyd_summary('orders', 'customer_id', 'order_ts', 'amount', '1998-06-30');
CREATE TABLE ltv_models AS
SELECT c360.pareto_nbd_fit(x, t_x, "T") AS pn, c360.bgnbd_fit(x, t_x, "T") AS bg,
       c360.gamma_gamma_fit(x, mean_value) FILTER (WHERE mean_value > 0) AS gg
FROM btyd;  -- a few repeat buyers only have 0.00 orders: the spend model needs positive values
CREATE TABLE ltv AS
SELECT b.customer_id, b.x, c360.pareto_nbd_p_alive(m.pn, b.x, b.t_x, b."T") AS p_alive,
       c360.pareto_nbd_expected(m.pn, 52, b.x, b.t_x, b."T") AS next_year_orders,
       c360.clv(m.pn, m.gg, b.x, b.t_x, b."T", b.mean_value, 12, 0.01) AS clv_12m
FROM btyd b, ltv_models m;
\set QUIET off

\echo
\echo '=== customer360: lifetime value of the CDNOW customers (time unit: weeks; docs/ltv.md) ==='
SELECT 'Pareto/NBD' AS model, round((pn).r::numeric, 3) AS r, round((pn).alpha::numeric, 2) AS alpha,
       round((pn).s::numeric, 3) AS "s / a", round((pn).beta::numeric, 2) AS "beta / b",
       round((pn).log_likelihood::numeric, 1) AS log_likelihood, (pn).converged FROM ltv_models
UNION ALL
SELECT 'BG/NBD', round((bg).r::numeric, 3), round((bg).alpha::numeric, 2), round((bg).a::numeric, 3),
       round((bg).b::numeric, 2), round((bg).log_likelihood::numeric, 1), (bg).converged FROM ltv_models;
SELECT 'Gamma-Gamma' AS spend_model, round((gg).p::numeric, 2) AS p, round((gg).q::numeric, 2) AS q,
       round((gg).gamma::numeric, 2) AS gamma, (gg).customers AS repeat_buyers, (gg).converged FROM ltv_models;

\echo 'Per RFM segment: probability still active, expected orders next 52 weeks, 12-month CLV (1 %/month discount):'
SELECT r.segment, count(*) AS customers, round(avg(l.p_alive)::numeric, 3) AS "avg P(alive)",
       round(sum(l.next_year_orders)::numeric, 0) AS "orders next year",
       round(sum(l.clv_12m)::numeric, 0) AS "CLV 12 months",
       round((100 * sum(l.clv_12m) / sum(sum(l.clv_12m)) OVER ())::numeric, 1) AS "% of CLV"
FROM ltv l JOIN rfm r ON r.customer_id::text = l.customer_id
GROUP BY r.segment ORDER BY sum(l.clv_12m) DESC;

-- Campaign: the Hillstrom e-mail test (random arms: Mens E-Mail, Womens E-Mail, No E-Mail).
\set QUIET on
CREATE TABLE hillstrom (recency int, history_segment text, history float8, mens int, womens int,
    zip_code text, newbie int, channel text, segment text, visit int, conversion int, spend float8);
COPY hillstrom FROM :'hillstrom_file' WITH (FORMAT csv, HEADER true);
\set QUIET off

\echo
\echo '=== customer360: Hillstrom e-mail campaign vs its control group (No E-Mail; docs/uplift.md) ==='
\echo 'Sample ratio check (designed 1/3 each):'
SELECT round(chi2::numeric, 4) AS chi2, df, round(p_value::numeric, 4) AS p_value
FROM c360.srm_test((SELECT array_agg(n ORDER BY segment) FROM
     (SELECT segment, count(*) AS n FROM hillstrom GROUP BY segment) t));

\echo 'Conversion lift per e-mail (95 % Newcombe CI, two-proportion z test):'
SELECT e.arm, l.n_treatment AS mailed, round(100 * l.rate_control::numeric, 3) AS "control %",
       round(100 * l.rate_treatment::numeric, 3) AS "mailed %",
       round(100 * l.abs_lift::numeric, 3) AS "lift pts",
       round(100 * l.newcombe_lower::numeric, 3) || ' .. ' || round(100 * l.newcombe_upper::numeric, 3) AS "95% CI pts",
       to_char(l.p_value, '9.9EEEE') AS p_value, round(l.incremental_conversions::numeric) AS "extra buyers"
FROM (VALUES ('Mens E-Mail'), ('Womens E-Mail')) e(arm),
     LATERAL (SELECT (c360.lift_binary(segment = e.arm, conversion = 1)).*
              FROM hillstrom WHERE segment IN (e.arm, 'No E-Mail')) l;

\echo 'Spend per customer and ROI (cost 0.10 per e-mail, 30 % margin; Welch t test):'
SELECT e.arm, round(l.mean_control::numeric, 3) AS "control $", round(l.mean_treatment::numeric, 3) AS "mailed $",
       round(l.t::numeric, 2) AS t, to_char(l.p_value, '9.9EEEE') AS p_value,
       round(l.incremental_total::numeric) AS "extra revenue $",
       round(r.roi::numeric, 2) AS roi, round(r.roi_lower::numeric, 2) || ' .. ' || round(r.roi_upper::numeric, 2) AS "95% CI"
FROM (VALUES ('Mens E-Mail'), ('Womens E-Mail')) e(arm),
     LATERAL (SELECT (c360.lift_mean(segment = e.arm, spend)) AS res
              FROM hillstrom WHERE segment IN (e.arm, 'No E-Mail')) q,
     LATERAL (SELECT (q.res).*) l,
     LATERAL c360.campaign_roi(q.res, 0.10 * l.n_treatment, 0.30) r;
