-- customer360 demo: RFM report on the CDNOW cohort (23,570 customers, 1997-01 .. 1998-06),
-- then a churn model on the IBM Telco customers (7,043).
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
