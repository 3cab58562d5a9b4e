--
-- Iterated lifetime-value fits (c360.bgnbd_train, pareto_nbd_train, gamma_gamma_train; docs/ltv.md):
-- the optimiser of the fit aggregates with the likelihood summed by one aggregate pass (c360.clv_step)
-- per request. On CDNOW they give the aggregates' fits (published values: ../shared/reference/clv.md)
-- up to the summation order: parameters within 1e-5 relative (the optimiser stops on a gradient
-- below 1e-9, where the sums' last bits still move the end point), log-likelihood within 1e-9.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
\set summary_tx_file :abs_srcdir '/data/cdnow/cdnow_customers_summary_with_transactions.csv'
CREATE TABLE cd (id int, x float8, t_x float8, "T" float8, zbar float8);
COPY cd FROM :'summary_tx_file' WITH (FORMAT csv, HEADER true);
CREATE FUNCTION pg_temp.close(a float8, b float8, rel float8) RETURNS bool LANGUAGE sql IMMUTABLE
    RETURN abs(a - b) <= rel * abs(b);

-- 1. the three models, against the aggregates and the published values (3 decimals)
CREATE TABLE agg AS
SELECT c360.bgnbd_fit(x, t_x, "T") AS bg, c360.pareto_nbd_fit(x, t_x, "T") AS pn, c360.gamma_gamma_fit(x, zbar) AS gg FROM cd;
CREATE TABLE trained AS
SELECT c360.bgnbd_train('cd') AS bg, c360.pareto_nbd_train('cd') AS pn, c360.gamma_gamma_train('cd', mean_value => 'zbar') AS gg;
SELECT round((t.bg).r::numeric, 3) AS r, round((t.bg).alpha::numeric, 3) AS alpha, round((t.bg).a::numeric, 3) AS a,
       round((t.bg).b::numeric, 3) AS b, round((t.bg).log_likelihood::numeric, 1) AS ll, (t.bg).converged,
       (t.bg).customers, (t.bg).distinct_summaries AS rows_used,
       pg_temp.close((t.bg).r, (a.bg).r, 1e-5) AND pg_temp.close((t.bg).alpha, (a.bg).alpha, 1e-5)
       AND pg_temp.close((t.bg).a, (a.bg).a, 1e-5) AND pg_temp.close((t.bg).b, (a.bg).b, 1e-5) AS params_as_aggregate,
       pg_temp.close((t.bg).log_likelihood, (a.bg).log_likelihood, 1e-9) AS ll_as_aggregate
FROM trained t, agg a;
SELECT round((t.pn).r::numeric, 3) AS r, round((t.pn).alpha::numeric, 3) AS alpha, round((t.pn).s::numeric, 3) AS s,
       round((t.pn).beta::numeric, 3) AS beta, round((t.pn).log_likelihood::numeric, 1) AS ll, (t.pn).converged,
       pg_temp.close((t.pn).r, (a.pn).r, 1e-5) AND pg_temp.close((t.pn).alpha, (a.pn).alpha, 1e-5)
       AND pg_temp.close((t.pn).s, (a.pn).s, 1e-5) AND pg_temp.close((t.pn).beta, (a.pn).beta, 1e-5) AS params_as_aggregate,
       pg_temp.close((t.pn).log_likelihood, (a.pn).log_likelihood, 1e-9) AS ll_as_aggregate
FROM trained t, agg a;
SELECT round((t.gg).p::numeric, 3) AS p, round((t.gg).q::numeric, 3) AS q, round((t.gg).gamma::numeric, 3) AS gamma,
       round((t.gg).log_likelihood::numeric, 1) AS ll, (t.gg).converged, (t.gg).customers,
       pg_temp.close((t.gg).p, (a.gg).p, 1e-5) AND pg_temp.close((t.gg).q, (a.gg).q, 1e-5)
       AND pg_temp.close((t.gg).gamma, (a.gg).gamma, 1e-5) AS params_as_aggregate,
       pg_temp.close((t.gg).log_likelihood, (a.gg).log_likelihood, 1e-9) AS ll_as_aggregate
FROM trained t, agg a;

-- 2. identical customers merged by the caller (a weight column) give the same fit
SELECT pg_temp.close((c360.bgnbd_train('SELECT x, t_x, "T", count(*) AS n FROM cd GROUP BY 1, 2, 3', weight => 'n')).r,
                     (bg).r, 1e-5) AS weighted_as_rows,
       (c360.bgnbd_train('SELECT x, t_x, "T", count(*) AS n FROM cd GROUP BY 1, 2, 3', weight => 'n')).customers AS customers
FROM trained;

-- 3. parallel workers: every pass a Partial Aggregate in the workers, combined; the same fit
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.clv_step(x, t_x, "T", 1, c360.clv_start('bgnbd')) FROM cd;
CREATE TABLE trained_parallel AS
SELECT c360.bgnbd_train('cd') AS bg, c360.pareto_nbd_train('cd') AS pn, c360.gamma_gamma_train('cd', mean_value => 'zbar') AS gg;
:reset_parallel
SELECT pg_temp.close((p.bg).r, (t.bg).r, 1e-5) AND pg_temp.close((p.bg).b, (t.bg).b, 1e-5) AS bgnbd_same,
       pg_temp.close((p.pn).s, (t.pn).s, 1e-5) AND pg_temp.close((p.pn).beta, (t.pn).beta, 1e-5) AS pareto_same,
       pg_temp.close((p.gg).p, (t.gg).p, 1e-5) AND pg_temp.close((p.gg).gamma, (t.gg).gamma, 1e-5) AS gamma_gamma_same,
       pg_temp.close((p.bg).log_likelihood, (t.bg).log_likelihood, 1e-12) AS ll_same
FROM trained_parallel p, trained t;

-- 4. one pass by hand: the first request has the starting point and its 8 gradient points; the pass
-- sums them (compensated), the search moves on; the pass splits like any aggregate state
SELECT c360.clv_start('bgnbd') AS s0 \gset
SELECT c360.clv_step(x, t_x, "T", 1, :'s0') AS p0 FROM cd \gset
SELECT left(:'p0', 32) AS pass_text, c360.clv_done(c360.clv_update(:'s0', :'p0')) AS done_after_one;
-- (the same sums to the last bit or two: compensated, each pass's final value folds its pairs into one number)
SELECT bool_and(abs(x::float8 - y::float8) <= 1e-15 * abs(y::float8)) AS split_pass_same, count(*) AS numbers
FROM (SELECT c360.clv_pass_final(c360.clv_pass_merge(c360.clv_step(x, t_x, "T", 1, :'s0') FILTER (WHERE id % 2 = 0),
                                                     c360.clv_step(x, t_x, "T", 1, :'s0') FILTER (WHERE id % 2 = 1)))::text AS m
      FROM cd) q,
     unnest(regexp_split_to_array(regexp_replace(m, '^clv_pass\(|\)$', '', 'g'), '[,;]'),
            regexp_split_to_array(regexp_replace(:'p0', '^clv_pass\(|\)$', '', 'g'), '[,;]')) AS u(x, y);
-- text and binary forms round-trip exactly
SELECT :'s0'::c360.clv_search::text = :'s0' AS search_text_exact, :'p0'::c360.clv_pass::text = :'p0' AS pass_text_exact,
       c360.clv_search_send(:'s0') = c360.clv_search_send(:'s0'::text::c360.clv_search) AS search_send_same;

-- 5. bad input: a clear error, never a crash
SELECT name, pg_temp.sqlstate_of(query) AS result FROM (VALUES
    ('null_source', $$SELECT c360.bgnbd_train(NULL)$$),
    ('null_column', $$SELECT c360.bgnbd_train('cd', x => NULL)$$),
    ('two_statements', $$SELECT c360.bgnbd_train('cd; DROP TABLE cd')$$),
    ('in_weight', $$SELECT c360.bgnbd_train('cd', weight => '1); DROP TABLE cd; --')$$),
    ('no_rows', $$SELECT c360.bgnbd_train('SELECT * FROM cd WHERE false')$$),
    ('invalid_summary', $$SELECT c360.bgnbd_train('SELECT 1 AS x, 5 AS t_x, 3 AS "T"')$$),
    ('negative_weight', $$SELECT c360.bgnbd_train('cd', weight => '-1')$$),
    ('nan_weight', $$SELECT c360.bgnbd_train('cd', weight => '''NaN''')$$),
    ('only_t0', $$SELECT c360.bgnbd_train('SELECT 0 AS x, 0 AS t_x, 0 AS "T"')$$),
    ('no_table', $$SELECT c360.bgnbd_train('no_such_table')$$),
    ('nan_x', $$SELECT c360.bgnbd_train('SELECT ''NaN''::float8 AS x, 0 AS t_x, 1 AS "T"')$$),
    ('infinite_T', $$SELECT c360.bgnbd_train('SELECT 0 AS x, 0 AS t_x, ''Infinity''::float8 AS "T"')$$),
    ('fractional_x', $$SELECT c360.pareto_nbd_train('SELECT 1.5 AS x, 1 AS t_x, 2 AS "T"')$$),
    ('huge_weight', $$SELECT c360.bgnbd_train('cd', weight => '1e308')$$),
    ('gamma_null_mean_value', $$SELECT c360.gamma_gamma_train('cd', mean_value => NULL)$$),
    ('gamma_negative_mean', $$SELECT c360.gamma_gamma_train('SELECT 2 AS x, -1 AS mean_value')$$),
    ('pareto_no_rows', $$SELECT c360.pareto_nbd_train('SELECT * FROM cd WHERE false')$$),
    ('expression_not_a_number', $$SELECT c360.bgnbd_train('cd', x => '''a''')$$),
    ('unknown_model', $$SELECT c360.clv_start('nope')$$),
    ('null_search', $$SELECT c360.clv_update(NULL, NULL)$$),
    ('null_pass', format($$SELECT c360.clv_update(%L, NULL)$$, :'s0')),
    ('pass_of_another_search', format($$SELECT c360.clv_update(c360.clv_start('pareto_nbd'), %L)$$, :'p0')),
    ('not_done', format($$SELECT c360.clv_bgnbd_model(%L)$$, :'s0')),
    ('spend_step_on_bgnbd', $$SELECT c360.clv_step(1, 2, 1, c360.clv_start('bgnbd'))$$),
    ('bgnbd_step_on_spend', $$SELECT c360.clv_step(1, 2, 3, 1, c360.clv_start('gamma_gamma'))$$),
    ('step_null_search', $$SELECT c360.clv_step(1, 2, 3, 1, NULL)$$),
    ('step_done_search', $$SELECT c360.clv_step(x, t_x, "T", 1, c360._clv_train('bgnbd', 'cd', ARRAY['x', 't_x', '"T"', '1'], 'public')) FROM cd$$),
    ('model_of_other_kind', $$SELECT c360.clv_pareto_nbd_model(c360.clv_start('bgnbd'))$$),
    ('bad_stage', format($$SELECT %L::c360.clv_search$$, replace(:'s0', 'clv_search(0,1,0', 'clv_search(0,1,9'))),
    ('nan_in_search', format($$SELECT %L::c360.clv_search$$, replace(:'s0', ';0,', ';NaN,'))),
    ('truncated_pass', format($$SELECT %L::c360.clv_pass$$, left(:'p0', 40))),
    ('merge_other_search', format($$SELECT c360.clv_pass_merge(%L, c360.clv_step(1, 1, 2, 1, c360.clv_start('pareto_nbd')))$$, :'p0'))
) AS t(name, query);
-- the source resolver gives NULL for a NULL source (the train functions refuse it first)
SELECT c360._train_source(NULL, 'public') IS NULL AS null_source_gives_null;
-- NULL values and zero weights skip customers; T = 0 customers are skipped (counted out)
SELECT (c360.bgnbd_train('SELECT x, t_x, "T" FROM cd UNION ALL SELECT NULL, 0, 1 UNION ALL SELECT 0, 0, 0')).customers AS customers_with_skipped;
