--
-- Matching: comparison levels, Fellegi-Sunter EM on a known mixture, clustering, survivorship,
-- parallel and Citus-style paths, bad input (never a crash).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- comparison levels
SELECT c360.compare_level('martha', 'martha') AS exact, c360.compare_level('martha', 'marhta') AS jw_0_961,
       c360.compare_level('dixon', 'dicksonx') AS jw_0_813, c360.compare_level('jean', 'pierre') AS different,
       c360.compare_level(NULL, 'x') AS null_level, c360.compare_level('', 'x') AS empty_level,
       c360.compare_level('19810302', '19810320', 'code') AS one_swap, c360.compare_level('75011', '75012', 'code') AS one_edit,
       c360.compare_level('2000', '2110', 'code') AS two_edits, c360.compare_level('a', 'b', 'exact') AS exact_diff,
       c360.method_levels('name') AS name_levels, c360.method_levels('exact') AS exact_levels;
SELECT c360.compare_level('DUPONT Jean', 'Jean Dupont', 'tokens') AS swapped, c360.compare_level('Mme Hélène Lefèvre', 'lefevre helene', 'tokens') AS swapped_accents,
       c360.compare_level('jean dupnot', 'jean dupont', 'tokens') AS typo, c360.compare_level('marie durand', 'jean dupont', 'tokens') AS different,
       c360.method_levels('tokens') AS tokens_levels;
-- location: an address key with its postcode ("<postcode>|<rest>", as c360.address_key_fr gives it) or a postcode alone
SELECT c360.compare_level('75016|AVENUE|VICTOR HUGO|12', '75016|AVENUE|VICTOR HUGO|12', 'location') AS same_address,
       c360.compare_level('75016|AVENUE|VICTOR HUGO|12', '75016|RUE|GAMBETTA|4', 'location') AS same_postcode,
       c360.compare_level('75016|AVENUE|VICTOR HUGO|12', '75016', 'location') AS postcode_only,
       c360.compare_level('75016|AVENUE|VICTOR HUGO|12', '69001|RUE|GAMBETTA|4', 'location') AS moved,
       c360.compare_level('|AVENUE|VICTOR HUGO|12', '75016', 'location') AS no_postcode,
       c360.method_levels('location') AS location_levels, c360.method_conflict_level('location') AS location_conflict;

-- EM recovers a known mixture: 20,000 pairs, 30 % matches, 3 conditionally independent fields of
-- 4 levels. True m (levels 3/2/1/0): field 1 .7/.2/.0/.1, field 2 .8/.1/.05/.05, field 3 .6/.2/.1/.1;
-- u: field 1 .1/.0/.1/.8, field 2 .1/.1/.1/.7, field 3 .1/.05/.05/.8; field 3 missing in 10 %.
-- Tolerance: 0.03 (sampling error of 6,000 / 14,000 draws).
SELECT setseed(0.36);
CREATE FUNCTION pg_temp.draw(p3 float8, p2 float8, p1 float8) RETURNS int LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN r < p3 THEN 3 WHEN r < p3 + p2 THEN 2 WHEN r < p3 + p2 + p1 THEN 1 ELSE 0 END FROM (SELECT random() AS r) s $$;
CREATE TABLE mix AS
SELECT i, is_match,
       ARRAY[CASE WHEN is_match THEN pg_temp.draw(.7, .2, 0) ELSE pg_temp.draw(.1, 0, .1) END,
             CASE WHEN is_match THEN pg_temp.draw(.8, .1, .05) ELSE pg_temp.draw(.1, .1, .1) END,
             CASE WHEN random() < 0.1 THEN -1
                  WHEN is_match THEN pg_temp.draw(.6, .2, .1) ELSE pg_temp.draw(.1, .05, .05) END]::int4[] AS levels
FROM (SELECT i, i % 10 < 3 AS is_match FROM generate_series(1, 20000) i) s;
CREATE TABLE mix_model AS SELECT c360.fs_estimate(c360.fs_patterns(levels, ARRAY[4, 4, 4])) AS model FROM mix;
SELECT abs(p[1] - 0.3) < 0.03 AS lambda_ok FROM mix_model, c360.match_level_params(model, 0, 0) p;
SELECT bool_and(abs(e.m - t.m) < 0.03 AND abs(e.u - t.u) < 0.03) AS m_u_ok, max(abs(e.m - t.m)) < 0.03 AS max_m_error_ok
FROM mix_model, c360.match_parameters(model) e
JOIN (VALUES (1, 3, .7, .1), (1, 2, .2, 0), (1, 1, 0, .1), (1, 0, .1, .8), (2, 3, .8, .1), (2, 2, .1, .1), (2, 1, .05, .1),
             (2, 0, .05, .7), (3, 3, .6, .1), (3, 2, .2, .05), (3, 1, .1, .05), (3, 0, .1, .8)) t(field, level, m, u)
  ON t.field = e.field AND t.level = e.level;
-- the posterior separates the classes
SELECT is_match, round(avg(c360.match_probability(model, levels))::numeric, 2) AS mean_probability
FROM mix, mix_model GROUP BY is_match ORDER BY is_match;

-- the pattern aggregate: serial = parallel = per-shard text states merged (Citus push-down)
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.fs_patterns(levels, ARRAY[4, 4, 4]) FROM mix;
CREATE TABLE par AS SELECT c360.fs_patterns(levels, ARRAY[4, 4, 4]) AS t FROM mix;
:reset_parallel
CREATE TABLE ser AS SELECT c360.fs_patterns(levels, ARRAY[4, 4, 4]) AS t FROM mix;
CREATE TABLE shards AS SELECT i % 4 AS shard, c360.fs_patterns(levels, ARRAY[4, 4, 4])::text AS state FROM mix GROUP BY 1;
CREATE AGGREGATE pg_temp.fs_rollup(float8[]) (SFUNC = c360.fs_patterns_merge, STYPE = float8[]);
SELECT (SELECT t FROM par) = (SELECT t FROM ser) AS parallel_same,
       pg_temp.fs_rollup(state::float8[]) = (SELECT t FROM ser) AS shards_same
FROM shards;

-- clustering: a chain and a triangle; ids in any order; the cluster id is the smallest id
CREATE TABLE p (a bigint, b bigint, score float8);
INSERT INTO p VALUES (5, 3, 0.99), (3, 9, 0.97), (9, 12, 0.95), (20, 21, 0.9), (21, 22, 0.9), (22, 20, 0.9),
                     (40, 41, 0.2), (NULL, 7, 1), (50, 50, 1);
SELECT * FROM c360.cluster_pairs('p', 'a', 'b') ORDER BY record_id;
SELECT * FROM c360.cluster_pairs('p', 'a', 'b', 'score', 0.5) ORDER BY record_id;
-- same clusters whatever the order of the pairs
SELECT (SELECT array_agg(row(record_id, cluster_id) ORDER BY record_id) FROM c360.cluster_pairs_query('SELECT a, b FROM p ORDER BY a DESC'))::text
     = (SELECT array_agg(row(record_id, cluster_id) ORDER BY record_id) FROM c360.cluster_pairs_query('SELECT b, a FROM p ORDER BY b'))::text AS order_independent;
-- 300,000 pairs (a long chain and many small components): sizes come out right
SELECT count(*) AS records, count(DISTINCT cluster_id) AS clusters, max(cluster_id) AS last_cluster
FROM c360.cluster_pairs_query('SELECT i, i + 1 FROM generate_series(1, 100000) i
                               UNION ALL SELECT 1000000 + 2 * i, 1000000 + 2 * i + 1 FROM generate_series(1, 200000) i');

-- survivorship
CREATE TABLE src (cust int, source text, priority float8, updated timestamptz, email text, phone text, name text);
INSERT INTO src VALUES
    (1, 'crm',   1, '2024-01-01', NULL,                   '+33612345678', 'Jean Dupont'),
    (1, 'shop',  2, '2024-06-01', 'jean.dupont@mail.fr',  '+33612345679', 'J. Dupont'),
    (1, 'web',   3, '2024-09-01', 'jdupont@mail.fr',      '  ',           'Jean-Pierre Dupont'),
    (1, 'loyal', 2, '2024-07-01', 'jean.dupont@mail.fr',  NULL,           'Jean Dupont'),
    (2, 'web',   3, '2023-01-01', NULL,                   NULL,           NULL);
SELECT cust, c360.survivor(email, priority, updated) AS email_by_priority,
       c360.survivor(phone, priority, updated) AS phone_by_priority,
       c360.most_recent(phone, updated) AS latest_phone, c360.most_complete(name) AS fullest_name,
       c360.most_frequent(email) AS usual_email, c360.most_frequent(name) AS usual_name
FROM src GROUP BY cust ORDER BY cust;
-- survivorship states round-trip as text (Citus) and merge to the same answer
SELECT c360.survivor_final(c360.survivor_merge(a::c360.survivor_state, b::c360.survivor_state)) AS merged_email,
       c360.frequency_final(c360.frequency_merge(c::c360.frequency_state, d::c360.frequency_state)) AS merged_usual
FROM (SELECT (SELECT c360.survivor_add(c360.survivor_add(NULL, 'x@a.fr', 2, '2024-01-01'), 'y@a.fr', 2, '2024-02-01'))::text AS a,
             (SELECT c360.survivor_add(NULL, 'z@a.fr', 1, NULL))::text AS b,
             c360.frequency_add1(c360.frequency_add1(NULL, 'b'), 'a')::text AS c,
             c360.frequency_add1(c360.frequency_add1(NULL, 'a'), 'c')::text AS d) s;

-- the survivorship aggregates in parallel workers give the serial answer (30,000 records, 3,000 clusters)
CREATE TABLE golden_src AS
SELECT i % 3000 AS cust, (i % 4)::float8 AS priority, TIMESTAMPTZ '2024-01-01' + (i % 97) * interval '1 day' AS ts,
       CASE WHEN i % 11 = 0 THEN NULL ELSE 'v' || (i % 7) END AS value
FROM generate_series(1, 30000) i;
ANALYZE golden_src;
CREATE TEMP VIEW golden AS
SELECT cust, c360.survivor(value, priority, ts) AS s, c360.most_recent(value, ts) AS r,
       c360.most_complete(value) AS c, c360.most_frequent(value) AS f
FROM golden_src GROUP BY cust;
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.survivor(value, priority, ts), c360.most_recent(value, ts),
    c360.most_complete(value), c360.most_frequent(value) FROM golden_src;
CREATE TABLE golden_par AS SELECT * FROM golden;
CREATE TABLE whole_par AS SELECT c360.survivor(value, priority, ts) AS s, c360.most_frequent(value) AS f FROM golden_src;
:reset_parallel
SELECT (SELECT count(*) FROM (SELECT * FROM golden EXCEPT SELECT * FROM golden_par) d) AS differences,
       (SELECT row(s, f)::text FROM whole_par) = (SELECT row(c360.survivor(value, priority, ts), c360.most_frequent(value))::text FROM golden_src) AS whole_same;

-- the C support functions (0.2.0) against the SQL statement of the order, c360.survivor_better, and of
-- most_frequent's choice, on 20,000 deterministic random cases: ranks and ts from few values (ties), NULL
-- ranks and ts, values that differ by case, accent or a trailing space, blank values (byte order, not the
-- locale's: 'B' < 'a' < 'ab' < 'é')
CREATE TEMP TABLE surv_cases AS
SELECT ROW(v[1 + abs(hashint4(i)) % 6], r[1 + abs(hashint4(i + 1)) % 4], t[1 + abs(hashint4(i + 2)) % 3])::c360.survivor_state AS a,
       v[1 + abs(hashint4(i + 3)) % 6] AS value, r[1 + abs(hashint4(i + 4)) % 4] AS priority, t[1 + abs(hashint4(i + 5)) % 3] AS ts,
       i % 7 = 0 AS a_null
FROM generate_series(1, 20000) i,
     (SELECT ARRAY['a', 'B', 'é', 'ab', 'a ', NULL] AS v, ARRAY[0, 1, NULL, 'Infinity']::float8[] AS r,
             ARRAY['2024-01-01', '2024-02-01', NULL]::timestamptz[] AS t) c;
UPDATE surv_cases SET a = NULL WHERE a_null;
SELECT count(*) FILTER (WHERE c360.survivor_add(a, value, priority, ts) IS DISTINCT FROM
           CASE WHEN value IS NULL OR btrim(value) = '' THEN a
                WHEN a IS NULL OR c360.survivor_better(ROW(value, coalesce(priority, 'Infinity'), ts)::c360.survivor_state, a)
                THEN ROW(value, coalesce(priority, 'Infinity'), ts)::c360.survivor_state ELSE a END) AS add_differences,
       count(*) FILTER (WHERE c360.survivor_merge(a, b) IS DISTINCT FROM
           CASE WHEN b IS NULL THEN a WHEN a IS NULL THEN b WHEN c360.survivor_better(b, a) THEN b ELSE a END) AS merge_differences,
       count(*) FILTER (WHERE c360.survivor_final(a) IS DISTINCT FROM (a).value) AS final_differences
FROM (SELECT *, ROW(value, priority, ts)::c360.survivor_state AS b FROM surv_cases) x;
CREATE TEMP TABLE freq_cases AS
SELECT i % 500 AS g, (ARRAY['a', 'A', 'b', 'é', ' ', '', 'a ', NULL])[1 + abs(hashint4(i)) % 8] AS value
FROM generate_series(1, 5000) i;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE f IS DISTINCT FROM (SELECT value FROM freq_cases c WHERE c.g = x.g AND btrim(value) <> ''
                                                  GROUP BY value ORDER BY count(*) DESC, value COLLATE "C" LIMIT 1)) AS frequent_differences
FROM (SELECT g, c360.most_frequent(value) AS f FROM freq_cases GROUP BY g) x;
-- states built by hand: an all-NULL row is no state, a damaged frequency state is refused (22023)
SELECT c360.survivor_merge(ROW(NULL, NULL, NULL)::c360.survivor_state, ROW('x', 1, NULL)::c360.survivor_state) AS merge_with_empty_row,
       c360.frequency_add(NULL, 'a', NULL) IS NULL AS null_n_adds_nothing,
       c360.frequency_final(c360.frequency_add(c360.frequency_add(NULL, 'a', 2), 'b', 3)) AS weighted;
SELECT input, outcome FROM (VALUES
    ('counts shorter', pg_temp.sqlstate_of($$SELECT c360.frequency_final('("{a,b}",{1})'::c360.frequency_state)$$)),
    ('NULL count',     pg_temp.sqlstate_of($$SELECT c360.frequency_add1('({a},{NULL})'::c360.frequency_state, 'a')$$)),
    ('counts missing', pg_temp.sqlstate_of($$SELECT c360.frequency_merge(NULL, '({a},)'::c360.frequency_state)$$)),
    ('count overflow', pg_temp.sqlstate_of($$SELECT c360.frequency_add('({a},{9223372036854775807})'::c360.frequency_state, 'a', 1)$$))
) t(input, outcome);

-- bad input: clear errors, never a crash
CREATE TABLE dup2 AS SELECT * FROM (VALUES (1, 'a'), (2, 'a'), (3, 'b')) v(id, e);
SELECT input, outcome FROM (VALUES
    ('unknown method',      pg_temp.sqlstate_of($$SELECT c360.compare_level('a', 'b', 'soundex')$$)),
    ('NULL method',         pg_temp.sqlstate_of($$SELECT c360.compare_level('a', 'b', NULL)$$)),
    ('invalid UTF-8',       pg_temp.sqlstate_of($$SELECT c360.compare_level(convert_from('\xc3'::bytea, 'SQL_ASCII'), 'a')$$)),
    ('huge string',         pg_temp.sqlstate_of($$SELECT c360.compare_level(repeat('a', 1000000), repeat('b', 1000000))$$)),
    ('levels count differs',pg_temp.sqlstate_of($$SELECT c360.fs_patterns(l, ARRAY[4, 4]) FROM (VALUES (ARRAY[1, 2]), (ARRAY[1, 2, 3])) v(l)$$)),
    ('level out of range',  pg_temp.sqlstate_of($$SELECT c360.fs_patterns(ARRAY[4], ARRAY[4])$$)),
    ('too many patterns',   pg_temp.sqlstate_of($$SELECT c360.fs_patterns(ARRAY[1,1,1,1,1,1,1,1,1,1], ARRAY[4,4,4,4,4,4,4,4,4,4])$$)),
    ('one level',           pg_temp.sqlstate_of($$SELECT c360.fs_patterns(ARRAY[0], ARRAY[1])$$)),
    ('no pairs',            pg_temp.sqlstate_of($$SELECT c360.fs_estimate(c360.fs_patterns(l, ARRAY[4])) FROM (SELECT ARRAY[-1] AS l) v$$)),
    ('corrupt patterns',    pg_temp.sqlstate_of($$SELECT c360.fs_estimate(ARRAY[3601, 1, 4, 1, 2]::float8[])$$)),
    ('corrupt model',       pg_temp.sqlstate_of($$SELECT c360.match_weight(ARRAY[3602, 1, 0.5, 1, 2, 0.9, 0.9, 0.5, 0.5]::float8[], ARRAY[1])$$)),
    ('not a model',         pg_temp.sqlstate_of($$SELECT c360.match_probability(ARRAY[1, 2, 3]::float8[], ARRAY[1])$$)),
    ('model fields differ', pg_temp.sqlstate_of($$SELECT c360.match_weight((SELECT model FROM mix_model), ARRAY[1, 2])$$)),
    ('model level too high',pg_temp.sqlstate_of($$SELECT c360.match_weight((SELECT model FROM mix_model), ARRAY[1, 2, 7])$$)),
    ('no blocking rule',    pg_temp.sqlstate_of($$SELECT * FROM c360.candidate_pairs('src', 'cust', '{}')$$)),
    ('injection attempt',   pg_temp.sqlstate_of($$SELECT * FROM c360.candidate_pairs('src', 'cust', ARRAY['email; DROP TABLE src'])$$)),
    ('fields vs methods',   pg_temp.sqlstate_of($$SELECT * FROM c360.compare_pairs('src', 'cust', ARRAY['email', 'name']::name[], ARRAY['name'], ARRAY['name'])$$)),
    ('cluster bad query',   pg_temp.sqlstate_of($$SELECT * FROM c360.cluster_pairs_query('SELECT 1')$$)),
    ('cluster text ids',    pg_temp.sqlstate_of($$SELECT * FROM c360.cluster_pairs_query('SELECT ''a''::text, ''b''::text')$$)),
    ('cluster NULL query',  pg_temp.sqlstate_of($$SELECT * FROM c360.cluster_pairs_query(NULL)$$)),
    ('score without min',   pg_temp.sqlstate_of($$SELECT * FROM c360.cluster_pairs('p', 'a', 'b', 'score')$$)),
    ('NaN priority',        pg_temp.sqlstate_of($$SELECT c360.survivor(v, 'NaN', NULL) FROM (VALUES ('a')) t(v)$$)),
    ('too many values',     pg_temp.sqlstate_of($$SELECT c360.most_frequent(i::text) FROM generate_series(1, 10001) i$$)),
    ('empty levels',        pg_temp.sqlstate_of($$SELECT c360.match_weight((SELECT model FROM mix_model), '{}')$$)),
    ('NaN in model',        pg_temp.sqlstate_of($$SELECT c360.match_weight(ARRAY[3602, 1, 'NaN', 1, 2, 0.5, 0.5, 0.5, 0.5]::float8[], ARRAY[1])$$)),
    ('NULL in model',       pg_temp.sqlstate_of($$SELECT c360.match_weight(ARRAY[3602, 1, NULL, 1, 2, 0.5, 0.5, 0.5, 0.5]::float8[], ARRAY[1])$$)),
    ('no candidate pairs',  pg_temp.sqlstate_of($$SELECT c360.match_train('p', 'a', ARRAY['score']::name[], ARRAY['code'], ARRAY['a'])$$)),
    ('negative random_pairs', pg_temp.sqlstate_of($$SELECT c360.match_train('src', 'cust', ARRAY['name']::name[], ARRAY['name'], ARRAY['email'], random_pairs => -1)$$)),
    ('every rule uses field', pg_temp.sqlstate_of($$SELECT c360.match_train('dup2', 'id', ARRAY['e']::name[], ARRAY['exact'], ARRAY['e'], random_pairs => 100)$$)),
    ('fs_prior fields differ', pg_temp.sqlstate_of($$SELECT c360.fs_prior(c360.fs_patterns(ARRAY[1, 2], ARRAY[4, 4]), (SELECT model FROM mix_model))$$)),
    ('fs_prior corrupt model', pg_temp.sqlstate_of($$SELECT c360.fs_prior(c360.fs_patterns(ARRAY[1], ARRAY[2]), ARRAY[3602, 1, 0.5, 1, 2, 0.9, 0.9, 0.5, 0.5]::float8[])$$)),
    ('fs_prior no iterations', pg_temp.sqlstate_of($$SELECT c360.fs_prior(c360.fs_patterns(ARRAY[1, 2, 3], ARRAY[4, 4, 4]), (SELECT model FROM mix_model), 0)$$)),
    ('fs_prior NaN tolerance', pg_temp.sqlstate_of($$SELECT c360.fs_prior(c360.fs_patterns(ARRAY[1, 2, 3], ARRAY[4, 4, 4]), (SELECT model FROM mix_model), 10, 'NaN')$$)),
    ('fs_prior empty table', pg_temp.sqlstate_of($$SELECT c360.fs_prior(c360.fs_patterns(ARRAY[-1, -1, -1], ARRAY[4, 4, 4]), (SELECT model FROM mix_model))$$)),
    ('NULL random_pairs',   pg_temp.sqlstate_of($$SELECT c360.match_train('dup2', 'id', ARRAY['e']::name[], ARRAY['exact'], ARRAY['e'], random_pairs => NULL)$$)),
    ('huge random_pairs',   pg_temp.sqlstate_of($$SELECT c360.match_train('dup2', 'id', ARRAY['e']::name[], ARRAY['exact'], ARRAY['e'], random_pairs => 2000000000)$$)),
    ('tokens huge string',  pg_temp.sqlstate_of($$SELECT c360.compare_level(repeat('ab ', 400000), repeat('ba ', 400000), 'tokens')$$))
) AS t(input, outcome);
-- fs_prior on the simulated mixture, with the model trained on it: the same share of matches
SELECT abs(c360.fs_prior(p, model) - model[3]) < 1e-3 AS prior_agrees
FROM (SELECT c360.fs_patterns(levels, ARRAY[4, 4, 4]) AS p FROM mix) t, mix_model;
SELECT count(*) AS src_still_there FROM src;

-- the candidate pairs read with both records (c360._pairs_sql: one self-join per rule, the pairs of an
-- earlier rule left out) are exactly the de-duplicated union of the rules' self-joins, for overlapping
-- rules, NULL keys and a pair every rule gives; and each pair comes once
CREATE TABLE pairs_src AS
SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 5) END AS a, CASE WHEN i % 4 = 0 THEN NULL ELSE 'm' || (i % 3) END AS b,
       'z' || (i % 2) AS c
FROM generate_series(1, 120) i;
CREATE FUNCTION pg_temp.union_pairs(rules text[]) RETURNS TABLE (id_l bigint, id_r bigint) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE c360._blocking_sql('pairs_src', 'id', rules);  -- the UNION of the rules' self-joins
END $$;
CREATE FUNCTION pg_temp.read_pairs(rules text[]) RETURNS TABLE (id_l bigint, id_r bigint) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE c360._pairs_sql('pairs_src', 'id', rules, 'l.id::bigint, r.id::bigint');
END $$;
SELECT r.rules, (SELECT count(*) FROM pg_temp.read_pairs(r.rules)) AS pairs,
       (SELECT count(*) FROM (SELECT DISTINCT * FROM pg_temp.read_pairs(r.rules)) d) AS distinct_pairs,
       (SELECT count(*) FROM pg_temp.union_pairs(r.rules)) AS union_pairs,
       NOT EXISTS (SELECT * FROM pg_temp.read_pairs(r.rules) EXCEPT SELECT * FROM pg_temp.union_pairs(r.rules))
       AND NOT EXISTS (SELECT * FROM pg_temp.union_pairs(r.rules) EXCEPT SELECT * FROM pg_temp.read_pairs(r.rules)) AS same_as_union,
       NOT EXISTS (SELECT id_l, id_r FROM c360.compare_pairs('pairs_src', 'id', ARRAY['a', 'b']::name[], ARRAY['exact', 'exact'], r.rules)
                   EXCEPT SELECT * FROM pg_temp.union_pairs(r.rules)) AS compare_pairs_same
FROM (VALUES (ARRAY['a']), (ARRAY['a', 'b']), (ARRAY['a+b', 'a', 'c']), (ARRAY['c', 'a+b', 'b', 'a'])) r(rules);
