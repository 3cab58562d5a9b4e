--
-- Scoring aggregates in parallel plans: Partial Aggregate -> Gather -> Finalize, the same models
-- and metrics as serial plans, and a Citus-style split (per-shard partial states shipped as text).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

CREATE TABLE churn_par AS
SELECT i AS id,
       ARRAY[(i % 13) / 13.0, ((i * 7) % 29) / 29.0, (i % 5)::float8, ((i * 31) % 101) / 101.0]::float8[] AS x,
       ((i * 104729) % 10007) / 10007.0
           < 1 / (1 + exp(-(-1.0 + 1.5 * (i % 13) / 13.0 - 0.8 * ((i * 7) % 29) / 29.0 + 0.3 * (i % 5)))) AS churned
FROM generate_series(1::bigint, 200000) i;
ANALYZE churn_par;

-- serial reference
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_model AS SELECT c360.logit_fit(churned, x) AS model FROM churn_par;
CREATE TABLE serial_metrics AS
SELECT c360.auc(p, churned) AS auc, c360.log_loss(p, churned) AS log_loss, c360.brier(p, churned) AS brier,
       c360.gains(p, churned, 10) AS gains, c360.calibration(p, churned, 10) AS calibration
FROM (SELECT churned, c360.logit_predict(m.model, x) AS p FROM churn_par, serial_model m) s;

-- parallel: forced, every row through the workers
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.logit_fit(churned, x) FROM churn_par;
EXPLAIN (COSTS OFF) SELECT c360.logit_step(churned, x, c360.logit_start()) FROM churn_par;
EXPLAIN (COSTS OFF)
SELECT c360.auc(p, churned), c360.log_loss(p, churned), c360.gains(p, churned, 10), c360.calibration(p, churned, 10)
FROM (SELECT churned, x[1] AS p FROM churn_par) s;

CREATE TABLE parallel_model AS SELECT c360.logit_fit(churned, x) AS model FROM churn_par;
-- Newton on sums split differently: equal to 1e-9 relative (rounding of the partial sums only)
SELECT i.n_used, i.converged, c360.logit_coef(p.model)::numeric(10,6)[] AS coef,
       (SELECT bool_and(abs(a.coef - b.coef) <= 1e-9 * abs(b.coef) AND abs(a.std_err - b.std_err) <= 1e-9 * b.std_err)
        FROM c360.logit_terms(p.model) a JOIN c360.logit_terms(s.model) b USING (term_no)) AS same_as_serial
FROM parallel_model p, serial_model s, c360.logit_info(p.model) i;

-- the iterated driver runs each pass as a parallel aggregate: same model to 1e-8
SELECT bool_and(abs(a.coef - b.coef) <= 1e-8 * abs(b.coef) AND abs(a.std_err - b.std_err) <= 1e-8 * b.std_err)
       AS train_same_as_fit
FROM serial_model s, c360.logit_terms(s.model) b
JOIN c360.logit_terms(c360.logit_train('churn_par', 'churned', 'x')) a USING (term_no);

-- metrics: AUC is exact (integer counts), sums are compensated
SELECT abs(t.auc - s.auc) = 0 AS auc_identical,
       abs(t.log_loss - s.log_loss) < 1e-12 * s.log_loss AS log_loss_same,
       abs(t.brier - s.brier) < 1e-12 * s.brier AS brier_same,
       t.gains::text = s.gains::text AS gains_identical,
       (SELECT bool_and(a.customers = b.customers AND a.responders = b.responders
                        AND abs(a.mean_score - b.mean_score) < 1e-12)
        FROM unnest(t.calibration) WITH ORDINALITY a JOIN unnest(s.calibration) WITH ORDINALITY b USING (ordinality))
           AS calibration_same
FROM serial_metrics s,
     (SELECT c360.auc(p, churned) AS auc, c360.log_loss(p, churned) AS log_loss, c360.brier(p, churned) AS brier,
             c360.gains(p, churned, 10) AS gains, c360.calibration(p, churned, 10) AS calibration
      FROM (SELECT churned, c360.logit_predict(m.model, x) AS p FROM churn_par, serial_model m) q) t;

-- an error in a worker reaches the client (SQLSTATE kept), the session goes on
SELECT pg_temp.sqlstate_of($$SELECT c360.logit_fit(churned, CASE WHEN id = 123456 THEN ARRAY[1, 'Infinity', 1, 1]::float8[] ELSE x END) FROM churn_par$$) AS worker_error;
SELECT pg_temp.sqlstate_of($$SELECT c360.auc(CASE WHEN id = 99 THEN 'NaN' ELSE x[1] END, churned) FROM churn_par$$) AS worker_error;

-- Citus-style: each pass computes per-shard statistics, ships them as text, merges them on the
-- "coordinator" and takes the Newton step there; the result equals the single-node fit to 1e-8.
:reset_parallel
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.train_sharded() RETURNS c360.logit_model LANGUAGE plpgsql AS $$
DECLARE
    model c360.logit_model := c360.logit_start();
    stats c360.logit_stats;
BEGIN
    LOOP
        SELECT c360.logit_stats_rollup(shard_state::c360.logit_stats) INTO stats
        FROM (SELECT id % 4 AS shard, c360.logit_step(churned, x, model)::text AS shard_state
              FROM churn_par GROUP BY id % 4) per_shard;
        model := c360.logit_update(model, stats);
        EXIT WHEN c360.logit_done(model);
    END LOOP;
    RETURN model;
END $$;
SELECT bool_and(abs(a.coef - b.coef) <= 1e-8 * abs(b.coef) AND abs(a.std_err - b.std_err) <= 1e-8 * b.std_err)
       AS sharded_same_as_fit
FROM serial_model s, c360.logit_terms(s.model) b JOIN c360.logit_terms(pg_temp.train_sharded()) a USING (term_no);
-- states of every kind survive text exactly
SELECT c360.logit_step(churned, x, c360.logit_start())::text
       = c360.logit_step(churned, x, c360.logit_start())::text::c360.logit_stats::text AS stats_text_exact,
       (SELECT c360.logit_fit_add(NULL, churned, x)::text = c360.logit_fit_add(NULL, churned, x)::text::c360.logit_rows::text
        FROM churn_par WHERE id = 7) AS rows_text_exact
FROM churn_par WHERE id <= 1000;
SELECT s.t::text = s.t::text::c360.score_sample::text AS sample_text_exact, b.t::text = b.t::text::c360.score_bins::text AS bins_text_exact
FROM (SELECT c360.score_sample_add(c360.score_sample_add(NULL, 0.25, true), 1.0 / 3, false) AS t) s,
     (SELECT c360.calibration_add(c360.calibration_add(NULL, 0.25, true, 4), 1.0 / 3, false, 4) AS t) b;

DROP TABLE churn_par, serial_model, serial_metrics, parallel_model;
