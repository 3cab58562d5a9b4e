-- bench/scoring (see run.sh). Times with clock_timestamp(); one run each.
\set QUIET on
\pset footer off
CREATE EXTENSION customer360;
SET max_parallel_workers_per_gather = 2;

-- training data: features uniform in [-1, 1] from a cheap hash, label from a known logit
CREATE TABLE train AS
SELECT i AS id, x,
       ((i * 2654435761) % 1000003) / 1000003.0 < 1 / (1 + exp(-(0.3 + x[1] - 0.5 * x[2] + 0.25 * x[3]))) AS y
FROM (SELECT i, ARRAY(SELECT ((i * 7919 + j * 104729 + i * j) % 2001) / 1000.0 - 1
                      FROM generate_series(1, :features) j)::float8[] AS x
      FROM generate_series(1::bigint, :rows) i) t;
VACUUM ANALYZE train;

CREATE TEMP TABLE timings (what text, seconds float8, passes int);
CREATE FUNCTION pg_temp.time_it(what text, query text, passes int DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE query;
    INSERT INTO timings VALUES (what, extract(epoch FROM clock_timestamp() - t0), passes);
END $$;

SELECT FROM pg_temp.time_it('c360.logit_fit (aggregate, rows in memory)', 'SELECT c360.logit_fit(y, x) FROM train');
SELECT c360.logit_train('train', 'y', 'x') AS model \gset
SELECT (c360.logit_info(:'model')).iterations + 1 AS passes \gset
SELECT FROM pg_temp.time_it('c360.logit_train (iterated, parallel passes)', $q$SELECT c360.logit_train('train', 'y', 'x')$q$, :passes);
-- floor: the same sums (X'WX upper triangle, gradient, n) with built-in aggregates, one parallel scan, x passes
SELECT 'SELECT count(*), ' || string_agg(format('sum(x[%s] * x[%s])', a, b), ', ') ||
       (SELECT ', ' || string_agg(format('sum(x[%s])', a), ', ') FROM generate_series(1, :features) a) ||
       ' FROM train' AS floor_query
FROM generate_series(1, :features) a, generate_series(1, :features) b WHERE a <= b \gset
SELECT FROM pg_temp.time_it('one parallel scan of the same sums (built-in sum)', :'floor_query');

-- scoring
CREATE TABLE score_input AS
SELECT i AS id, x FROM (SELECT i, (SELECT x FROM train WHERE id = 1 + (i % 1000)) AS x FROM generate_series(1::bigint, 1000) i) s;
CREATE TABLE to_score AS SELECT i AS id, s.x FROM generate_series(1::bigint, :score_rows) i JOIN score_input s ON s.id = 1 + i % 1000;
VACUUM ANALYZE to_score;
SELECT c360.logit_coef(:'model') AS coef \gset
SELECT 'SELECT sum(1 / (1 + exp(-(' || (:'coef'::float8[])[1] ||
       (SELECT string_agg(format(' + (%s) * x[%s]', (:'coef'::float8[])[j + 1], j), '') FROM generate_series(1, :features) j) ||
       ')))) FROM to_score' AS sql_score \gset
SELECT FROM pg_temp.time_it('score: c360.logit_predict, sum over all rows',
                       format('SELECT sum(c360.logit_predict(%L::c360.logit_model, x)) FROM to_score', :'model'));
SELECT FROM pg_temp.time_it('score: plain SQL dot product, sum over all rows', :'sql_score');
SELECT FROM pg_temp.time_it('scan only: sum(x[1])', 'SELECT sum(x[1]) FROM to_score');

SELECT what, round(seconds::numeric, 2) AS seconds, passes FROM timings;
SELECT round(((SELECT seconds FROM timings WHERE what LIKE 'c360.logit_train%')
             / ((SELECT seconds FROM timings WHERE what LIKE 'one parallel scan%') * :passes))::numeric, 2)
           AS train_over_floor,
       round(((SELECT seconds FROM timings WHERE what LIKE 'score: c360%')
             / (SELECT seconds FROM timings WHERE what LIKE 'score: plain%'))::numeric, 2) AS predict_over_sql;
