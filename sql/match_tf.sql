--
-- Term-frequency adjustments (src/core/match/tf.hpp, docs/match.md "Term frequencies"), checked against
-- Splink's own test vectors (moj-analytical-services/splink, tests/test_term_frequencies.py; linkage.md §a):
-- 50 records, London 40 / Birmingham 8 / Truro 2, an exact city comparison with m = 1 and u = 0.2, so an
-- unadjusted Bayes factor of 5; with term frequencies 1.25 (London: 5 x 0.2 / 0.8), 6.25 (0.2 / 0.16) and
-- 25 (0.2 / 0.04); a minimum u of 0.1 caps Truro at 10; an adjustment weight of 0.5 gives BF x (0.2/tf)^0.5
-- (London 2.5, Birmingham 5.5902, Truro 11.1803). Tolerance: 1e-9 (m is 1 - 1e-12 here: a model probability
-- must be positive).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
-- own schema: the suite shares one database and other tests have tables of the same names
CREATE SCHEMA match_tf;
SET search_path = match_tf, public;

CREATE TABLE cities AS
SELECT g AS id, CASE WHEN g <= 40 THEN 'London' WHEN g <= 48 THEN 'Birmingham' ELSE 'Truro' END AS city
FROM generate_series(1, 50) g;
INSERT INTO cities VALUES (51, NULL);   -- a NULL counts as no record of the field (Splink's denominator)
CREATE TABLE tf AS SELECT c360.term_frequencies(city) AS t FROM cities;
SELECT t[1] AS tag, t[2] AS records, t[3] AS values_seen_twice FROM tf;
SELECT city, c360.tf_frequency(t, city) AS frequency FROM tf, (VALUES ('London'), ('Birmingham'), ('Truro'), ('Paris')) v(city);

-- one field, exact method: m = {1e-12, 1 - 1e-12}, u = {0.8, 0.2}, prior 0.5 (prior weight 0)
CREATE TABLE models AS SELECT ARRAY[3602, 1, 0.5, 0, 2, 1e-12, 1 - 1e-12, 0.8, 0.2]::float8[] AS m0;
SELECT abs(power(2, c360.match_weight(m0, '{1}')) - 5) < 1e-9 AS unadjusted_bf_is_5 FROM models;
CREATE TABLE expected (city text, bf float8, bf_min_u float8, bf_half float8);
INSERT INTO expected VALUES ('London', 1.25, 1.25, 2.5), ('Birmingham', 6.25, 6.25, 5 * sqrt(1.25)), ('Truro', 25, 10, 5 * sqrt(5));
SELECT e.city,
       round(power(2, c360.match_weight(c360.match_with_tf(m0, 1, t), '{1}', ARRAY[e.city], ARRAY[e.city]))::numeric, 6) AS bf,
       abs(power(2, c360.match_weight(c360.match_with_tf(m0, 1, t), '{1}', ARRAY[e.city], ARRAY[e.city])) - e.bf) < 1e-9 AS bf_ok,
       abs(power(2, c360.match_weight(c360.match_with_tf(m0, 1, t, 1, 0.1), '{1}', ARRAY[e.city], ARRAY[e.city])) - e.bf_min_u) < 1e-9 AS min_u_ok,
       abs(power(2, c360.match_weight(c360.match_with_tf(m0, 1, t, 0.5, 0), '{1}', ARRAY[e.city], ARRAY[e.city])) - e.bf_half) < 1e-9 AS half_weight_ok
FROM expected e, models, tf ORDER BY e.bf;
-- Splink takes the larger frequency of the two values (they differ when the exact level compares normalised values)
SELECT round(power(2, c360.match_weight(c360.match_with_tf(m0, 1, t), '{1}', '{London}', '{Truro}'))::numeric, 6) AS bf_common_side_wins
FROM models, tf;
-- the adjustment applies to the exact level only; the 2-argument weight ignores it
SELECT c360.match_weight(c360.match_with_tf(m0, 1, t), '{0}', '{Truro}', '{Truro}') = c360.match_weight(m0, '{0}') AS level0_unadjusted,
       c360.match_weight(c360.match_with_tf(m0, 1, t), '{1}') = c360.match_weight(m0, '{1}') AS two_argument_form_unadjusted
FROM models, tf;
-- the explanation reports the frequency and the adjustment; the weights add up to the adjusted weight
SELECT field, name, level, round(weight::numeric, 6) AS weight, tf_frequency, round(tf_adjustment::numeric, 6) AS tf_adjustment
FROM models, tf, c360.match_explain(c360.match_with_tf(m0, 1, t), '{1}', '{city}', '{Truro}', '{Truro}');
SELECT abs((SELECT sum(weight) FROM c360.match_explain(c360.match_with_tf(m0, 1, t), '{1}', '{city}', '{Truro}', '{Truro}'))
           - c360.match_weight(c360.match_with_tf(m0, 1, t), '{1}', '{Truro}', '{Truro}')) < 1e-12 AS explanation_adds_up
FROM models, tf;
SELECT * FROM models, tf, c360.match_tf_info(c360.match_with_tf(m0, 1, t, 0.5, 0.1), 1);
SELECT * FROM models, c360.match_tf_info(m0, 1);

-- the model with frequencies is a float8[] whose text form reads back bit for bit (dump / restore) with
-- the shortest exact float output (extra_float_digits >= 1: the server's default, pg_dump uses 3; the
-- preamble's 0 rounds to 15 digits, which 52-bit hashes do not survive)
SET extra_float_digits = 1;
SELECT c360.match_with_tf(m0, 1, t)::text::float8[] = c360.match_with_tf(m0, 1, t) AS model_round_trip FROM models, tf;

-- the aggregate: parallel workers and a Citus-style combine of per-shard states give the same table
CREATE TABLE names AS SELECT g AS id, 'name' || (g % 997) * (g % 13) AS v FROM generate_series(1, 200000) g;
ANALYZE names;
CREATE TABLE serial_tf AS SELECT c360.term_frequencies(v) AS t FROM names;
:force_parallel
EXPLAIN (COSTS OFF) SELECT c360.term_frequencies(v) FROM names;
SELECT (SELECT c360.term_frequencies(v) FROM names) = t AS parallel_equals_serial FROM serial_tf;
:reset_parallel
-- partial states of two "shards" (transition function only, as Citus's workers run it), through text, combined
CREATE AGGREGATE tf_partial(text) (SFUNC = c360.tf_add, STYPE = float8[]);
SELECT c360.tf_final(c360.tf_merge(c360.tf_merge(NULL, s1.st::text::float8[]), s2.st::text::float8[])) = t AS shards_through_text_equal_serial
FROM serial_tf,
     (SELECT tf_partial(v) AS st FROM names WHERE id % 2 = 0) s1,
     (SELECT tf_partial(v) AS st FROM names WHERE id % 2 = 1) s2;
SELECT t[2] AS records, t[3] AS values_seen_twice FROM serial_tf;
RESET extra_float_digits;
SET extra_float_digits = 0;

-- bad input: clear errors, never a crash
SELECT pg_temp.sqlstate_of($$SELECT c360.match_with_tf(m0, 1, t, 0, 0) FROM models, tf$$) AS zero_weight,
       pg_temp.sqlstate_of($$SELECT c360.match_with_tf(m0, 1, t, 1, 1) FROM models, tf$$) AS min_u_one,
       pg_temp.sqlstate_of($$SELECT c360.match_with_tf(m0, 2, t) FROM models, tf$$) AS no_such_field,
       pg_temp.sqlstate_of($$SELECT c360.match_with_tf(m0, 1, '{3607,50,1,5,60}') FROM models$$) AS count_above_records,
       pg_temp.sqlstate_of($$SELECT c360.tf_frequency('{3607,50,2,9,3,5,3}', 'x')$$) AS hashes_not_sorted,
       pg_temp.sqlstate_of($$SELECT c360.tf_merge('{3606,1,1024,0}', '{1}')$$) AS damaged_state,
       pg_temp.sqlstate_of($$SELECT c360.match_weight(c360.match_with_tf(m0, 1, t), '{1}', '{a,b}', '{a}') FROM models, tf$$) AS values_length;
SELECT pg_temp.sqlstate_of($$SELECT c360.match_weight(m || '{1}'::float8[], '{1}') FROM (SELECT c360.match_with_tf(m0, 1, t) AS m FROM models, tf) x$$) AS model_trailing_value,
       pg_temp.sqlstate_of($$SELECT c360.match_train('cities', 'id', '{city}', '{exact}', '{city}', tf_fields => '{town}')$$) AS tf_field_not_a_field;

-- match_train stores the table's frequencies with the model; match_score applies them
CREATE TABLE towns AS SELECT g AS id, CASE WHEN g % 10 < 8 THEN 'London' WHEN g % 10 = 8 THEN 'Birmingham' ELSE 'Truro' END AS city,
       'p' || (g % 200) AS person FROM generate_series(1, 400) g;
CREATE TABLE town_models AS SELECT c360.match_train('towns', 'id', '{city,person}', '{exact,exact}', '{person,city}', tf_fields => '{city}') AS model;
SELECT (c360.match_tf_info(model, 1)).records, (c360.match_tf_info(model, 1)).frequent_values, (c360.match_tf_info(model, 2)).weight AS person_weight
FROM town_models;
SELECT t.city, count(*) AS pairs, count(DISTINCT round((s.weight - c360.match_weight(m.model, s.levels))::numeric, 9)) AS distinct_adjustments
FROM town_models m, c360.match_score('towns', 'id', '{city,person}', '{exact,exact}', '{person}', m.model) s JOIN towns t ON t.id = s.id_l
GROUP BY t.city ORDER BY t.city;
-- whatever u_exact EM found, Truro (tf 0.1) gains log2(0.8 / 0.1) = 3 bits over London (tf 0.8)
SELECT round((max(s.weight) FILTER (WHERE t.city = 'Truro') - max(s.weight) FILTER (WHERE t.city = 'London'))::numeric, 9) AS truro_minus_london_bits
FROM town_models m, c360.match_score('towns', 'id', '{city,person}', '{exact,exact}', '{person}', m.model) s JOIN towns t ON t.id = s.id_l
WHERE s.levels = '{1,1}';
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA match_tf CASCADE;
RESET client_min_messages;
-- hashes below 10^15: states and tables come back through text exactly even at extra_float_digits = 0
-- (52-bit hashes printed as 1.60094733647416e+15 did not, and a split term_frequencies lost counts)
SET extra_float_digits = 0;
SELECT c360.term_frequencies(x)::text::float8[] = c360.term_frequencies(x) AS table_round_trip,
       (SELECT max(h) < 1e15 FROM unnest(c360.term_frequencies(x)) AS h) AS hashes_below_1e15
FROM (SELECT 'city ' || (i % 300) AS x FROM generate_series(1, 3000) i) v;
