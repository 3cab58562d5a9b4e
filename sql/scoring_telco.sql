--
-- Churn model on the IBM Telco data (data/churn): c360.logit_fit and c360.logit_train against R's
-- glm(family = binomial) (tests/reference/telco_glm.R, run once with R 4.2; the numbers are below).
-- Feature encoding (docs/scoring.md): 0/1 indicators for the Yes/No and Male columns; the "No
-- internet service" / "No phone service" levels of the service columns count as "No";
-- InternetService, Contract and PaymentMethod one-hot with the first level in alphabetical order
-- as reference (DSL, Month-to-month, Bank transfer (automatic)); tenure, MonthlyCharges,
-- TotalCharges as numbers (11 blank TotalCharges are NULL: those rows are skipped).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
\set telco_program 'gzip -dc ' :abs_srcdir '/data/churn/Telco-Customer-Churn.csv.gz'

CREATE TABLE telco (
    customer_id text, gender text, senior_citizen int, partner text, dependents text, tenure int,
    phone_service text, multiple_lines text, internet_service text, online_security text,
    online_backup text, device_protection text, tech_support text, streaming_tv text,
    streaming_movies text, contract text, paperless_billing text, payment_method text,
    monthly_charges float8, total_charges float8, churn text);
COPY telco FROM PROGRAM :'telco_program' WITH (FORMAT csv, HEADER true, NULL ' ');
SELECT count(*) AS customers, count(*) FILTER (WHERE churn = 'Yes') AS churners,
       count(*) FILTER (WHERE total_charges IS NULL) AS blank_total_charges
FROM telco;

-- stored vocabularies (one-hot, first level = reference)
CREATE TABLE telco_vocab AS
SELECT (SELECT array_agg(DISTINCT internet_service ORDER BY internet_service) FROM telco) AS internet,
       (SELECT array_agg(DISTINCT contract ORDER BY contract) FROM telco) AS contract,
       (SELECT array_agg(DISTINCT payment_method ORDER BY payment_method) FROM telco) AS payment;
SELECT * FROM telco_vocab;

CREATE VIEW telco_features AS
SELECT t.customer_id, t.churn = 'Yes' AS churned,
       ARRAY[(t.gender = 'Male')::int, t.senior_citizen, (t.partner = 'Yes')::int, (t.dependents = 'Yes')::int,
             t.tenure, (t.phone_service = 'Yes')::int, (t.multiple_lines = 'Yes')::int]::float8[]
       || c360.one_hot(t.internet_service, v.internet)
       || ARRAY[(t.online_security = 'Yes')::int, (t.online_backup = 'Yes')::int,
                (t.device_protection = 'Yes')::int, (t.tech_support = 'Yes')::int,
                (t.streaming_tv = 'Yes')::int, (t.streaming_movies = 'Yes')::int]::float8[]
       || c360.one_hot(t.contract, v.contract)
       || ARRAY[(t.paperless_billing = 'Yes')::int]::float8[]
       || c360.one_hot(t.payment_method, v.payment)
       || ARRAY[t.monthly_charges, t.total_charges] AS x
FROM telco t, telco_vocab v;

CREATE TABLE telco_names AS
SELECT ARRAY['male', 'senior', 'partner', 'dependents', 'tenure', 'phone', 'multiple_lines', 'fiber',
             'no_internet', 'online_security', 'online_backup', 'device_protect', 'tech_support',
             'streaming_tv', 'streaming_movies', 'one_year', 'two_year', 'paperless', 'pay_credit_card',
             'pay_electronic', 'pay_mailed', 'monthly_charges', 'total_charges'] AS names;
-- the one-hot term names agree with that list
SELECT c360.one_hot_names('internet', internet) AS internet_terms, c360.one_hot_names('contract', contract) AS contract_terms
FROM telco_vocab;

CREATE TABLE telco_model AS SELECT c360.logit_fit(churned, x) AS model FROM telco_features;

-- R 4.2.2 glm(churn ~ ., family = binomial, control = glm.control(epsilon = 1e-14)) on the same encoding
CREATE TABLE r_glm (term text, coef float8, std_err float8, z float8, p_value float8);
INSERT INTO r_glm VALUES
    ('(Intercept)', 1.1652874867595568, 0.81514282036197527, 1.4295500833118975, 0.1528461908021877),
    ('male', -0.021832732875098931, 0.064804974061905371, -0.33689902960601559, 0.73619301686514482),
    ('senior', 0.21677503807724274, 0.084530951069018756, 2.5644457484010545, 0.010334073331624205),
    ('partner', -0.00038399679244476123, 0.077830476923705774, -0.0049337586973953471, 0.9960634460792106),
    ('dependents', -0.14848782170678665, 0.089732211513830262, -1.6547883887147983, 0.097967430114509341),
    ('tenure', -0.060587576642059382, 0.0062360691466557955, -9.715667869807147, 2.5854843062340195e-22),
    ('phone', 0.17146779528078362, 0.64869760012637445, 0.26432623651972742, 0.79152854516954119),
    ('multiple_lines', 0.44839544001394177, 0.17725731429130276, 2.5296301131870562, 0.011418282907535316),
    ('fiber', 1.7474749136922791, 0.79808622332180112, 2.189581604878386, 0.028554594304487157),
    ('no_internet', -1.7862947298515193, 0.80727526638332781, -2.21274552093525, 0.026915195128437736),
    ('online_security', -0.20542003480324189, 0.17868938000264334, -1.1495928566107461, 0.25031160171438216),
    ('online_backup', 0.026041850238978127, 0.17540266142584698, 0.14846895723978251, 0.88197268294979281),
    ('device_protect', 0.1473749987894058, 0.1763753109507768, 0.83557612454350561, 0.40339340500466547),
    ('tech_support', -0.1804968049851029, 0.18060375220181535, -0.99940783502331143, 0.31759716588909687),
    ('streaming_tv', 0.59050740995460893, 0.32631216991747558, 1.809639554981809, 0.070351701698134553),
    ('streaming_movies', 0.59929571534063208, 0.32668635765944659, 1.8344681413521604, 0.066584532720294687),
    ('one_year', -0.66079528868057702, 0.10758653168044936, -6.1419889493533777, 8.1494528624155038e-10),
    ('two_year', -1.3571062697464085, 0.17646043797601479, -7.6907112172694019, 1.4631935736404093e-14),
    ('paperless', 0.3423536432779683, 0.074496153925591807, 4.5955881644563519, 4.3153027957442388e-06),
    ('pay_credit_card', -0.087791817089065916, 0.1140809188975631, -0.76955741536318611, 0.44156247398058812),
    ('pay_electronic', 0.30446727054623518, 0.094497469217007621, 3.2219621654315929, 0.0012731594592934154),
    ('pay_mailed', -0.057587195010213574, 0.11491281446708991, -0.50113814788433431, 0.61627390079736133),
    ('monthly_charges', -0.040343528662388342, 0.031755310179394626, -1.2704498376642039, 0.20392444028723034),
    ('total_charges', 0.00032894019612542585, 7.0631699688965033e-05, 4.6571185115741596, 3.2066587209636494e-06);

-- every coefficient and standard error within 1e-6 relative of R (z and p within 1e-6 too)
SELECT s.term, round(s.coef::numeric, 6) AS coef, round(s.std_err::numeric, 6) AS std_err,
       round(s.odds_ratio::numeric, 4) AS odds_ratio,
       round(s.odds_ratio_lower::numeric, 4) AS or_lo, round(s.odds_ratio_upper::numeric, 4) AS or_hi,
       abs(s.coef - r.coef) <= 1e-6 * abs(r.coef) AS coef_ok,
       abs(s.std_err - r.std_err) <= 1e-6 * r.std_err AS se_ok,
       abs(s.z - r.z) <= 1e-6 * abs(r.z) AS z_ok,
       abs(s.p_value - r.p_value) <= 1e-6 * r.p_value AS p_ok
FROM telco_model m, c360.logit_summary(m.model, (SELECT names FROM telco_names)) s
JOIN r_glm r USING (term)
ORDER BY s.term_no;
SELECT max(abs(s.coef - r.coef) / abs(r.coef)) < 1e-6 AS max_coef_rel_below_1e6,
       max(abs(s.std_err - r.std_err) / r.std_err) < 1e-6 AS max_se_rel_below_1e6
FROM telco_model m, c360.logit_summary(m.model, (SELECT names FROM telco_names)) s JOIN r_glm r USING (term);

-- model-level statistics against R: logLik -2913.1361824841829, null deviance 8143.3551464933907,
-- deviance 5826.2723649683658, AIC 5874.2723649683658, 7032 rows used, 11 skipped
SELECT i.n_used, i.n_skipped, i.n_positive, i.converged, i.n_aliased, i.warnings,
       round(i.log_likelihood::numeric, 6) AS log_likelihood,
       abs(i.log_likelihood - -2913.1361824841829) < 1e-9 * 2913.14 AS ll_ok,
       abs(i.null_deviance - 8143.3551464933907) < 1e-9 * 8143.36 AS null_deviance_ok,
       abs(i.deviance - 5826.2723649683658) < 1e-9 * 5826.27 AS deviance_ok,
       abs(i.aic - 5874.2723649683658) < 1e-9 * 5874.27 AS aic_ok,
       i.condition_number > 1000 AS ill_conditioned
FROM telco_model m, c360.logit_info(m.model) i;

-- the iterated path (one aggregate pass per Newton step) gives the same model to 1e-8
CREATE TABLE telco_features_t AS SELECT * FROM telco_features;
SELECT c360.logit_train('telco_features_t', 'churned', 'x') AS model \gset
SELECT bool_and(abs(a.coef - b.coef) <= 1e-8 * abs(b.coef)) AS coef_same,
       bool_and(abs(a.std_err - b.std_err) <= 1e-8 * b.std_err) AS se_same
FROM telco_model m, c360.logit_terms(m.model) a JOIN c360.logit_terms(:'model') b USING (term_no);
-- ... also from a query
SELECT bool_and(abs(a.coef - b.coef) <= 1e-8 * abs(b.coef)) AS query_source_same
FROM c360.logit_terms(c360.logit_train('SELECT * FROM telco_features WHERE x IS NOT NULL', 'churned', 'x')) a
JOIN c360.logit_terms(:'model') b USING (term_no);

-- standardised features: same fit (predictions equal), coefficients per standard deviation
SELECT c360.logit_fit(churned, x, c360.logit_options(standardize => true)) AS std_model FROM telco_features \gset
SELECT max(abs(c360.logit_predict(:'std_model', f.x) - c360.logit_predict(m.model, f.x))) < 1e-9 AS same_predictions
FROM telco_features f, telco_model m;

-- scoring and evaluation of the churn score
CREATE TABLE telco_scored AS
SELECT f.customer_id, f.churned, c360.logit_predict(m.model, f.x) AS p
FROM telco_features f, telco_model m;
SELECT count(*) AS scored, count(p) AS with_score,
       round(c360.auc(p, churned)::numeric, 6) AS auc,
       round(c360.log_loss(p, churned)::numeric, 6) AS log_loss,
       round(c360.brier(p, churned)::numeric, 6) AS brier,
       abs(c360.log_loss(p, churned) * count(p) - 5826.2723649683658 / 2) < 1e-7 AS log_loss_is_deviance_over_2n
FROM telco_scored;
SELECT g.bin, g.customers, g.responders, round(g.lift::numeric, 3) AS lift,
       round(g.cumulative_gain::numeric, 4) AS cumulative_gain
FROM (SELECT c360.gains(p, churned, 10) AS t FROM telco_scored) s, unnest(s.t) g;

DROP VIEW telco_features;
DROP TABLE telco, telco_vocab, telco_names, telco_model, r_glm, telco_features_t, telco_scored;
