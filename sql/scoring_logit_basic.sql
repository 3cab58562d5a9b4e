--
-- c360.logit_fit / logit_train / logit_predict / logit_summary: MADlib's documented example,
-- options, NULL/NaN handling, collinearity, separation, GROUP BY, bad input and corrupted models.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- MADlib logregr_train documentation example (madlib_logistic.sql_in): second heart attack
CREATE TABLE patients (id int, second_attack int, treatment int, trait_anxiety int);
INSERT INTO patients VALUES
    (1, 1, 1, 70), (2, 1, 1, 80), (3, 1, 1, 50), (4, 1, 0, 60), (5, 1, 0, 40), (6, 1, 0, 65), (7, 1, 0, 75),
    (8, 1, 0, 80), (9, 1, 0, 70), (10, 1, 0, 60), (11, 0, 1, 65), (12, 0, 1, 50), (13, 0, 1, 45),
    (14, 0, 1, 35), (15, 0, 1, 40), (16, 0, 1, 50), (17, 0, 0, 55), (18, 0, 0, 45), (19, 0, 0, 50),
    (20, 0, 0, 60);
CREATE TABLE patients_model AS
SELECT c360.logit_fit(second_attack::bool, ARRAY[treatment, trait_anxiety]::float8[]) AS model FROM patients;

-- MADlib: coef {-6.36346994178192, -1.02410605239327, 0.119044916668607} (to 1e-8), log-likelihood
-- -9.41018298388876 (to 1e-9), std_err {3.21389766375099, 1.17107844860319, 0.0549790458269317} and
-- p-values {0.0477051870698145, 0.381846973530455, 0.0303664045046183}: MADlib reports them at the
-- iterate before the last, so they agree to 1e-5 (se) and 5e-5 (p) relative only.
SELECT s.term, round(s.coef::numeric, 8) AS coef, round(s.std_err::numeric, 5) AS std_err,
       round(s.p_value::numeric, 5) AS p_value, round(s.odds_ratio::numeric, 6) AS odds_ratio,
       abs(s.coef - r.coef) < 1e-8 AS coef_ok,
       abs(s.std_err - r.se) < 1e-5 * r.se AS se_ok,
       abs(s.p_value - r.p) < 5e-5 * r.p AS p_ok,
       abs(s.odds_ratio - r.odds) < 1e-8 * r.odds AS odds_ok
FROM patients_model m, c360.logit_summary(m.model, ARRAY['treatment', 'trait_anxiety']) s
JOIN (VALUES (0, -6.36346994178192, 3.21389766375099, 0.0477051870698145, 0.00172337630923221),
             (1, -1.02410605239327, 1.17107844860319, 0.381846973530455, 0.359117354054956),
             (2, 0.119044916668607, 0.0549790458269317, 0.0303664045046183, 1.12642051220895))
     AS r(term_no, coef, se, p, odds) USING (term_no)
ORDER BY term_no;
SELECT i.features, i.intercept, i.status, i.n_used, i.n_skipped, i.n_positive, i.iterations,
       round(i.log_likelihood::numeric, 10) AS log_likelihood,
       abs(i.log_likelihood - -9.41018298388876) < 1e-9 AS ll_ok,
       round(i.condition_number::numeric, 2) AS condition_number,
       abs(i.condition_number - 326.081922791575) < 1e-4 * 326.08 AS condition_ok,
       round(i.null_deviance::numeric, 6) AS null_deviance, round(i.aic::numeric, 6) AS aic
FROM patients_model m, c360.logit_info(m.model) i;

-- MADlib's logregr_predict_prob for the 20 patients (to 1e-9)
SELECT count(*) AS patients,
       count(*) FILTER (WHERE abs(c360.logit_predict(m.model, ARRAY[treatment, trait_anxiety]::float8[]) - r.p) < 1e-9) AS matching
FROM patients p JOIN (VALUES (1, 0.720223028941527), (2, 0.894354902502048), (3, 0.192269541755171),
    (4, 0.685513072239347), (5, 0.167747881508857), (6, 0.79809810891514), (7, 0.928568075752503),
    (8, 0.959305763693571), (9, 0.877576117431452), (10, 0.685513072239347), (11, 0.586700895943317),
    (12, 0.192269541755171), (13, 0.116032010632994), (14, 0.0383829143134982), (15, 0.0674976224147597),
    (16, 0.192269541755171), (17, 0.545870774302621), (18, 0.267675422387132), (19, 0.398618639285111),
    (20, 0.685513072239347)) AS r(id, p) USING (id), patients_model m;

-- the model is a value: text round trip is exact, and it can be stored and read back
SELECT model::text = model::text::c360.logit_model::text AS text_round_trip,
       c360.logit_coef(model::text::c360.logit_model) = c360.logit_coef(model) AS same_coef
FROM patients_model;
CREATE TABLE model_store (name text PRIMARY KEY, model c360.logit_model);
INSERT INTO model_store SELECT 'second_attack', model FROM patients_model;
SELECT name, c360.logit_coef(model) = (SELECT c360.logit_coef(model) FROM patients_model) AS stored_ok FROM model_store;

-- the iterated path and its building blocks give the same model
SELECT c360.logit_coef(c360.logit_train('patients', 'second_attack = 1', 'ARRAY[treatment, trait_anxiety]'))
       = c360.logit_coef(model) AS train_same FROM patients_model;
SELECT c360.logit_done(c360.logit_start()) AS start_done,
       c360.logit_done(c360.logit_update(c360.logit_start(), (SELECT c360.logit_step(second_attack = 1,
           ARRAY[treatment, trait_anxiety]::float8[], c360.logit_start()) FROM patients))) AS one_pass_done;

-- options: no intercept, L2 penalty (shrinks), standardisation (same predictions), max_iterations
SELECT 'no intercept' AS fit, c360.logit_coef(c360.logit_fit(second_attack::bool, ARRAY[1, treatment, trait_anxiety]::float8[],
           c360.logit_options(intercept => false)))::numeric(12,8)[] AS coef FROM patients
UNION ALL
SELECT 'l2 = 1', c360.logit_coef(c360.logit_fit(second_attack::bool, ARRAY[treatment, trait_anxiety]::float8[],
           c360.logit_options(l2 => 1)))::numeric(12,8)[] FROM patients
UNION ALL
SELECT 'standardized', c360.logit_coef(c360.logit_fit(second_attack::bool, ARRAY[treatment, trait_anxiety]::float8[],
           c360.logit_options(standardize => true)))::numeric(12,8)[] FROM patients;
SELECT max(abs(c360.logit_predict(s.model, ARRAY[treatment, trait_anxiety]::float8[])
             - c360.logit_predict(m.model, ARRAY[treatment, trait_anxiety]::float8[]))) < 1e-12 AS standardized_same_predictions
FROM patients, patients_model m,
     (SELECT c360.logit_fit(second_attack::bool, ARRAY[treatment, trait_anxiety]::float8[],
                            c360.logit_options(standardize => true)) AS model FROM patients) s;
SELECT i.status, i.converged, i.iterations
FROM (SELECT c360.logit_fit(second_attack::bool, ARRAY[treatment, trait_anxiety]::float8[],
                            c360.logit_options(max_iterations => 2)) AS model FROM patients) s, c360.logit_info(s.model) i;

-- NULL labels and NULL / NaN features are skipped and counted
SELECT i.n_used, i.n_skipped, c360.logit_coef(m) = (SELECT c360.logit_coef(model) FROM patients_model) AS same_coef
FROM (SELECT c360.logit_fit(y, x) AS m FROM (
        SELECT second_attack::bool AS y, ARRAY[treatment, trait_anxiety]::float8[] AS x FROM patients
        UNION ALL VALUES (NULL::bool, '{1,2}'::float8[]), (true, NULL), (false, '{1,NULL}'), (true, '{NaN,3}')) d) f,
     c360.logit_info(f.m) i;

-- collinear feature: aliased (coefficient NULL like R's NA), the others unchanged, and a WARNING
SELECT s.term, round(s.coef::numeric, 8) AS coef, round(s.std_err::numeric, 5) AS std_err, s.aliased
FROM (SELECT c360.logit_fit(second_attack::bool, ARRAY[treatment, trait_anxiety, 2 * treatment - 1]::float8[]) AS m
      FROM patients) f, c360.logit_summary(f.m) s;

-- perfect separation: a WARNING with the penalty advice; with an L2 penalty the fit is clean
CREATE TABLE separated AS SELECT i, i > 10 AS y FROM generate_series(1, 20) i;
SELECT i.status, i.n_positive, i.warnings IS NOT NULL AS warned
FROM (SELECT c360.logit_fit(y, ARRAY[i]::float8[]) AS m FROM separated) f, c360.logit_info(f.m) i;
SELECT i.status, i.warnings, round(c360.logit_predict(f.m, '{15}')::numeric, 6) AS p15
FROM (SELECT c360.logit_fit(y, ARRAY[i]::float8[], c360.logit_options(l2 => 1)) AS m FROM separated) f,
     c360.logit_info(f.m) i;

-- one model per product with GROUP BY (appetence), and an empty group gives no model
CREATE TABLE appetence AS
SELECT g.product, c.id,
       ((c.id * 7919 + g.k * 104729) % 1000) / 1000.0 < 1 / (1 + exp(-(g.k - 2 + 0.3 * (c.id % 10) - 1.5))) AS bought,
       ARRAY[(c.id % 10), (c.id % 7) / 7.0]::float8[] AS x
FROM (VALUES ('books', 1), ('music', 2), ('video', 3)) g(product, k), generate_series(1, 3000) c(id);
SELECT product, i.n_used, i.n_positive, i.converged, c360.logit_coef(m)::numeric(10,4)[] AS coef
FROM (SELECT product, c360.logit_fit(bought, x) AS m FROM appetence GROUP BY product) f, c360.logit_info(f.m) i
ORDER BY product;
-- each group's model equals the model fitted on that product alone (1e-9: rows may be summed in another order)
SELECT bool_and(abs(g.c - a.c) <= 1e-9 * abs(a.c)) AS groups_independent
FROM (SELECT product, c360.logit_fit(bought, x) AS m FROM appetence GROUP BY product) f,
     unnest(c360.logit_coef(f.m), c360.logit_coef((SELECT c360.logit_fit(bought, x) FROM appetence a
                                                  WHERE a.product = f.product))) AS g(c, a_c),
     LATERAL (SELECT g.a_c AS c) a;
SELECT c360.logit_fit(bought, x) IS NULL AS empty_is_null FROM appetence WHERE false;

-- bad input: SQLSTATEs, never a crash
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('mismatched lengths',  $$SELECT c360.logit_fit(y, x) FROM (VALUES (true, '{1,2}'::float8[]), (false, '{1}')) t(y, x)$$),
    ('all one class',       $$SELECT c360.logit_fit(true, ARRAY[i]::float8[]) FROM generate_series(1, 5) i$$),
    ('all rows skipped',    $$SELECT c360.logit_fit(NULL::bool, ARRAY[i]::float8[]) FROM generate_series(1, 5) i$$),
    ('infinite feature',    $$SELECT c360.logit_fit(i > 2, ARRAY[i, 'Infinity']::float8[]) FROM generate_series(1, 5) i$$),
    ('empty array',         $$SELECT c360.logit_fit(i > 2, '{}'::float8[]) FROM generate_series(1, 5) i$$),
    ('2-D array',           $$SELECT c360.logit_fit(i > 2, '{{1,2},{3,4}}'::float8[]) FROM generate_series(1, 5) i$$),
    ('10,000 features',     $$SELECT c360.logit_fit(true, array_fill(1::float8, ARRAY[10000]))$$),
    ('negative l2',         $$SELECT c360.logit_fit(true, '{1}', c360.logit_options(l2 => -1))$$),
    ('zero iterations',     $$SELECT c360.logit_fit(true, '{1}', c360.logit_options(max_iterations => 0))$$),
    ('NULL options',        $$SELECT c360.logit_fit(true, '{1}', NULL::c360.logit_options)$$),
    ('train: no rows',      $$SELECT c360.logit_train('SELECT * FROM patients WHERE false', 'true', 'ARRAY[1.0]')$$),
    ('train: NULL label',   $$SELECT c360.logit_train('patients', NULL, 'ARRAY[1.0]')$$),
    ('train: no table',     $$SELECT c360.logit_train('no_such_table', 'y', 'x')$$),
    ('predict: length',     $$SELECT c360.logit_predict(model, '{1,2,3}') FROM patients_model$$),
    ('predict: infinity',   $$SELECT c360.logit_predict(model, '{1,Infinity}') FROM patients_model$$),
    ('predict: untrained',  $$SELECT c360.logit_predict(c360.logit_start(), '{1}')$$),
    ('update: other stats', $$SELECT c360.logit_update(c360.logit_start(c360.logit_options(intercept => false)), (SELECT c360.logit_step(second_attack = 1, ARRAY[treatment]::float8[], c360.logit_start()) FROM patients))$$),
    ('one_hot: unknown',    $$SELECT c360.one_hot('z', '{a,b}')$$),
    ('summary: names',      $$SELECT s.* FROM patients_model, c360.logit_summary(model, '{a}') s$$)
) AS t(label, query);
SELECT c360.logit_predict(model, '{1,NULL}') IS NULL AS null_feature_null_score,
       c360.logit_predict(model, '{1,NaN}') IS NULL AS nan_feature_null_score,
       c360.one_hot(NULL, '{a,b}') IS NULL AS one_hot_null
FROM patients_model;
SELECT 1 AS backend_alive;

-- corrupted or forged model values are rejected when read
SELECT model::text AS model_text FROM patients_model \gset
SELECT label, pg_temp.sqlstate_of(format('SELECT c360.logit_predict(%L::c360.logit_model, ''{1,2}'')', txt)) AS error
FROM (VALUES
    ('garbage',            'garbage'),
    ('truncated',          left(:'model_text', 60)),
    ('wrong tag',          replace(:'model_text', 'logit_model(', 'logit_stats(')),
    ('feature count',      regexp_replace(:'model_text', '^logit_model\(2,', 'logit_model(3,')),
    ('NaN coefficient',    regexp_replace(:'model_text', ';([^,]*,){7}', ';\1\1\1\1\1\1\1NaN,')),
    ('trailing text',      :'model_text' || ' x'),
    ('huge count',         regexp_replace(:'model_text', '^logit_model\(2,', 'logit_model(99999999999999999999,'))
) AS t(label, txt);

-- cancellation: a long fit stops at statement_timeout (57014) and the session goes on
SET statement_timeout = '300ms';
SELECT c360.logit_fit(i % 3 = 0, ARRAY[i % 7, i % 11, i % 13, i % 17]::float8[],
                     c360.logit_options(max_iterations => 10000, tolerance => 1e-300))
FROM generate_series(1, 3000000) i;
RESET statement_timeout;
SELECT 1 AS backend_alive;

DROP TABLE patients, patients_model, model_store, separated, appetence;
