--
-- Fellegi-Sunter arrays read through the core's layout (src/core/match/fs.hpp): a model's header
-- (c360.match_model_info, behind c360.match_parameters), the compared pairs of a pattern table and
-- the combination of per-rule fits that c360.match_train uses with random_pairs.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- 40 pairs of two fields (4 and 2 levels), 2 of them all-null
CREATE TABLE layout_pairs AS
SELECT CASE WHEN i <= 2 THEN ARRAY[-1, -1] WHEN i <= 14 THEN ARRAY[3, 1] WHEN i <= 16 THEN ARRAY[2, -1]
            ELSE ARRAY[(i % 3), (i % 2)] END::int4[] AS levels
FROM generate_series(1, 40) i;
CREATE TABLE layout AS
SELECT p, c360.fs_estimate(p) AS model
FROM (SELECT c360.fs_patterns(levels, ARRAY[4, 2]) AS p FROM layout_pairs) t;
SELECT c360._fs_compared_pairs(p) AS compared_pairs FROM layout;
SELECT h.fields, h.levels, h.lambda = (c360.match_level_params(model, 0, 0))[1] AS lambda_agrees, h.iterations > 0 AS iterated
FROM layout, c360.match_model_info(model) h;
-- match_parameters: the prior row names match_model_info's iterations, then every level of every field
SELECT count(*) AS parameter_rows,
       bool_or(name = 'prior (lambda, 1 - lambda; ' || (c360.match_model_info(model)).iterations || ' EM iterations)') AS prior_named
FROM layout, c360.match_parameters(model, ARRAY['given', 'flag']);
SELECT field, name, level FROM layout, c360.match_parameters(model, ARRAY['given', 'flag']) ORDER BY field, level DESC;

-- combining fits: one fit leaving nothing out keeps its m and iterations; its u is floored at half
-- a pair of the random-pair table (0.5 / 40) and renormalised; the prior is spread over the 45
-- pairs of 10 records
SELECT (h).iterations = (c360.match_model_info(model)).iterations AS same_iterations,
       round((h).lambda::numeric, 6) AS lambda,
       (SELECT string_agg(round(a.m::numeric, 4) || ' -> ' || round(b.m::numeric, 4), ', ' ORDER BY field, level)
        FROM c360.match_parameters(model) a JOIN c360.match_parameters(combined) b USING (field, level) WHERE field > 0) AS m,
       (SELECT string_agg(round(a.u::numeric, 4) || ' -> ' || round(b.u::numeric, 4), ', ' ORDER BY field, level)
        FROM c360.match_parameters(model) a JOIN c360.match_parameters(combined) b USING (field, level) WHERE field > 0) AS u
FROM (SELECT model, combined, c360.match_model_info(combined) AS h
      FROM (SELECT model, c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false, false]], ARRAY[c360._fs_compared_pairs(p)],
                                                 p, p, 10) AS combined
            FROM layout) c) t;
-- a field that every fit leaves out (c360.match_train names it before); one row per fit
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('field left out',  $$SELECT c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false, true]], ARRAY[38::float8], p, p, 10) FROM layout$$),
    ('no fit',          $$SELECT c360._fs_combine_rules('{}', '{}', '{}', p, p, 10) FROM layout$$),
    ('rows differ',     $$SELECT c360._fs_combine_rules(ARRAY[model], '{}', ARRAY[38::float8], p, p, 10) FROM layout$$),
    ('mask too short',  $$SELECT c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false]], ARRAY[38::float8], p, p, 10) FROM layout$$),
    ('one record',      $$SELECT c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false, false]], ARRAY[38::float8], p, p, 1) FROM layout$$),
    ('corrupt model',   $$SELECT c360.match_model_info(ARRAY[3602, 1, 0.5, 1, 2, 0.9, 0.9, 0.5, 0.5]::float8[])$$),
    ('not a table',     $$SELECT c360._fs_compared_pairs(ARRAY[3602, 1]::float8[])$$),
    ('NaN pair count',  $$SELECT c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false, false]], ARRAY['NaN'::float8], p, p, 10) FROM layout$$),
    ('infinite count',  $$SELECT c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false, false]], ARRAY['Infinity'::float8], p, p, 10) FROM layout$$),
    ('NULL element',    $$SELECT c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false, NULL]], ARRAY[NULL::float8], p, p, 10) FROM layout$$),
    ('negative records',$$SELECT c360._fs_combine_rules(ARRAY[model], ARRAY[ARRAY[false, false]], ARRAY[38::float8], p, p, -5) FROM layout$$),
    ('NaN in model',    $$SELECT c360.match_model_info(ARRAY[3602, 1, 'NaN', 1, 2, 0.9, 0.1, 0.5, 0.5]::float8[])$$),
    ('empty model',     $$SELECT c360.match_model_info('{}'::float8[])$$),
    ('empty patterns',  $$SELECT c360._fs_compared_pairs('{}'::float8[])$$)
) AS t(label, query);
DROP TABLE layout_pairs, layout;
