--
-- Values of c360.rfm_sample, c360.uplift_sample and c360.clv_sample stored under 0.1.0 (their old
-- byte layout, without magic: src/core/common/packed.hpp, "Compatibility rule") read back after
-- the upgrade, in every function that takes them, exactly like the same values made today; damaged
-- old values are XX001. A binary COPY file of c360.rfm_sample written by 0.1.0 loads.
--
-- The library writes only the current layout, so the test makes the 0.1.0 byte images itself
-- (little-endian: it assumes a little-endian server, such as x86-64 or arm64) and turns them into values of
-- the types with a test-only function of this session (pg_temp, LANGUAGE internal: substr(bytea, 1)
-- copies the bytes into a fresh varlena, which is then the datum as 0.1.0 left it on disk). Nothing
-- of this is part of the extension.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- ---- 0.1.0 byte images ------------------------------------------------------------------------

CREATE FUNCTION pg_temp.le(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT string_agg(substr(b, i, 1), ''::bytea ORDER BY i DESC) FROM generate_series(1, length(b)) i $$;
CREATE FUNCTION pg_temp.doubles(v float8[]) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(string_agg(pg_temp.le(float8send(x)), ''::bytea ORDER BY o), ''::bytea)
    FROM unnest(v) WITH ORDINALITY AS u(x, o) $$;
-- [int32 tag][double fixed...][int64 count][int64 capacity][rows], after the varlena length word;
-- the rows given, then garbage up to `capacity` rows of 3 doubles (0.1.0 did not zero its spare room)
CREATE FUNCTION pg_temp.image_010(tag int4, fixed float8[], count int8, capacity int8, rows float8[])
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.le(int4send(tag)) || pg_temp.doubles(fixed) || pg_temp.le(int8send(count))
        || pg_temp.le(int8send(capacity)) || pg_temp.doubles(rows)
        || decode(repeat('ff', greatest(0, 24 * capacity::int - 8 * coalesce(array_length(rows, 1), 0))), 'hex') $$;
CREATE FUNCTION pg_temp.rows_of(v float8[]) RETURNS int8 LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_length(v, 1), 0) / 3 $$;

CREATE FUNCTION pg_temp.rfm_sample_of_bytes(bytea, int4) RETURNS c360.rfm_sample
    LANGUAGE internal IMMUTABLE STRICT AS 'bytea_substr_no_len';
CREATE FUNCTION pg_temp.uplift_sample_of_bytes(bytea, int4) RETURNS c360.uplift_sample
    LANGUAGE internal IMMUTABLE STRICT AS 'bytea_substr_no_len';
CREATE FUNCTION pg_temp.clv_sample_of_bytes(bytea, int4) RETURNS c360.clv_sample
    LANGUAGE internal IMMUTABLE STRICT AS 'bytea_substr_no_len';
CREATE FUNCTION pg_temp.bytes_of(c360.rfm_sample, int4) RETURNS bytea
    LANGUAGE internal IMMUTABLE STRICT AS 'bytea_substr_no_len';

-- rfm_sample: [bins][count][capacity][(r, f, m)...]; uplift_sample: [1][param][count][capacity]
-- [(score, treated, converted)...]; clv_sample: [model][count][capacity][(x, t_x, T)...]
CREATE FUNCTION pg_temp.rfm_010(bins int4, capacity int8, rows float8[]) RETURNS c360.rfm_sample
LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.rfm_sample_of_bytes(pg_temp.image_010(bins, '{}', pg_temp.rows_of(rows), capacity, rows), 1) $$;
CREATE FUNCTION pg_temp.uplift_010(param float8, capacity int8, rows float8[]) RETURNS c360.uplift_sample
LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.uplift_sample_of_bytes(pg_temp.image_010(1, ARRAY[param], pg_temp.rows_of(rows), capacity, rows), 1) $$;
CREATE FUNCTION pg_temp.clv_010(kind int4, capacity int8, rows float8[]) RETURNS c360.clv_sample
LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.clv_sample_of_bytes(pg_temp.image_010(kind, '{}', pg_temp.rows_of(rows), capacity, rows), 1) $$;

-- ---- small values: the 0.1.0 text forms, send, merges, transitions ---------------------------

-- capacity = count is what 0.1.0's input functions made, capacity 1024 what its aggregates made;
-- each old value reads as the value of the same text made today: same text, same send bytes
CREATE FUNCTION pg_temp.reads_like(typname text, old_value text, text_form text)
RETURNS TABLE (same_text bool, same_send bool) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT v::text = %1$L, c360.%2$I(v) = c360.%2$I(%1$L::c360.%3$I) FROM (SELECT %4$s AS v) x',
                                text_form, typname || '_send', typname, old_value);
END $$;
SELECT o.typname, o.text_form, r.*
FROM (SELECT 'rfm_sample' AS typname, * FROM (VALUES
          ($$pg_temp.rfm_010(5, 2, '{1.5,2,0.1,-3.25e-300,7,1e300}')$$, 'rfmb1(5,2:1.5 2 0.1,-3.25e-300 7 1e+300)'),
          ($$pg_temp.rfm_010(5, 1024, '{1.5,2,0.1,-3.25e-300,7,1e300}')$$, 'rfmb1(5,2:1.5 2 0.1,-3.25e-300 7 1e+300)'),
          ($$pg_temp.rfm_010(100, 1, '{0,0,0}')$$, 'rfmb1(100,1:0 0 0)'),
          ($$pg_temp.rfm_010(1, 3, '{-0,5e-324,-1}')$$, 'rfmb1(1,1:-0 5e-324 -1)')) AS rfm(old_value, text_form)
      UNION ALL SELECT 'uplift_sample', * FROM (VALUES
          ($$pg_temp.uplift_010(0.3, 1, '{}')$$, 'upl1(0.3;0)'),
          ($$pg_temp.uplift_010(0, 1024, '{}')$$, 'upl1(0;0)'),
          ($$pg_temp.uplift_010(10, 2, '{0.25,1,0,-1e-310,0,1}')$$, 'upl1(10;2;0.25,1,0;-1e-310,0,1)'),
          ($$pg_temp.uplift_010(10, 1024, '{0.25,1,0,-1e-310,0,1}')$$, 'upl1(10;2;0.25,1,0;-1e-310,0,1)')) AS upl
      UNION ALL SELECT 'clv_sample', * FROM (VALUES
          ($$pg_temp.clv_010(0, 1024, '{}')$$, 'clv1(0;0)'),
          ($$pg_temp.clv_010(2, 1, '{}')$$, 'clv1(2;0)'),
          ($$pg_temp.clv_010(0, 2, '{2,30.5,38.875,0,0,12}')$$, 'clv1(0;2;2,30.5,38.875;0,0,12)'),
          ($$pg_temp.clv_010(1, 1024, '{2,30.5,38.875,0,0,12}')$$, 'clv1(1;2;2,30.5,38.875;0,0,12)'),
          ($$pg_temp.clv_010(2, 1024, '{3,12.25,0}')$$, 'clv1(2;1;3,12.25,0)')) AS clv) AS o,
     pg_temp.reads_like(o.typname, o.old_value, o.text_form) r;

-- merge (either side old), and transition functions called on an old state
SELECT c360.rfm_sample_merge(pg_temp.rfm_010(5, 1024, '{1,2,3}'), pg_temp.rfm_010(5, 2, '{4,5,6}'))::text AS old_old,
       c360.rfm_sample_merge('rfmb1(5,1:1 2 3)', pg_temp.rfm_010(5, 2, '{4,5,6}'))::text AS new_old,
       c360.rfm_sample_merge(pg_temp.rfm_010(5, 1024, '{1,2,3}'), 'rfmb1(5,1:4 5 6)')::text AS old_new,
       c360.rfm_breaks_add(pg_temp.rfm_010(5, 1, '{1,2,3}'), 7, 8, 9)::text AS add;
SELECT c360.uplift_merge(pg_temp.uplift_010(0, 1024, '{0.5,1,1}'), pg_temp.uplift_010(0, 1, '{}'))::text AS old_old,
       c360.uplift_merge('upl1(0;1;0.25,0,1)', pg_temp.uplift_010(0, 1024, '{0.5,1,1}'))::text AS new_old,
       c360.uplift_add(pg_temp.uplift_010(0, 1, '{}'), 0.75, true, false)::text AS add;
SELECT c360.clv_merge(pg_temp.clv_010(0, 1024, '{1,2,3}'), pg_temp.clv_010(0, 2, '{0,0,3}'))::text AS old_old,
       c360.clv_merge('clv1(0;1;2,1,3)', pg_temp.clv_010(0, 2, '{0,0,3}'))::text AS new_old,
       c360.bgnbd_add(pg_temp.clv_010(0, 1024, '{}'), 1, 2, 3)::text AS add,
       pg_temp.sqlstate_of($$SELECT c360.clv_merge(pg_temp.clv_010(0, 1, '{1,2,3}'), pg_temp.clv_010(2, 1, '{3,12.25,0}'))$$)
           AS other_model;

-- ---- stored partial states: a rollup over a table of 0.1.0 values ----------------------------

CREATE TABLE legacy_rows AS
SELECT i, i % 6 AS part,
       (i * 7) % 365 AS recency, 1 + i % 9 AS frequency, round((i * 13.7)::numeric % 500, 2)::float8 AS monetary,
       (i * 0.618) - floor(i * 0.618) AS score, (i % 2 = 0) AS treated,
       (i % 3 = 0 OR (i % 2 = 0 AND (i * 0.618) - floor(i * 0.618) > 0.6)) AS converted,
       (i % 4)::float8 AS x, CASE WHEN i % 4 = 0 THEN 0 ELSE 1 + (i * 0.37) - floor(i * 0.37) + i % 30 END AS t_x,
       40::float8 AS "T"
FROM generate_series(1, 3000) i;

-- the partial states of six parts of 500 rows, as 0.1.0's aggregates left them (room for 1024
-- rows; the column compresses them)
CREATE TABLE legacy_partials (part int, rfm c360.rfm_sample, upl c360.uplift_sample, clv c360.clv_sample);
INSERT INTO legacy_partials
SELECT part,
       pg_temp.rfm_010(5, 1024, array_agg(v ORDER BY i, k) FILTER (WHERE d = 'rfm')),
       pg_temp.uplift_010(0, 1024, array_agg(v ORDER BY i, k) FILTER (WHERE d = 'upl')),
       pg_temp.clv_010(0, 1024, array_agg(v ORDER BY i, k) FILTER (WHERE d = 'clv'))
FROM legacy_rows,
     LATERAL (VALUES ('rfm', 1, recency::float8), ('rfm', 2, frequency), ('rfm', 3, monetary),
                     ('upl', 1, score), ('upl', 2, treated::int::float8), ('upl', 3, converted::int::float8),
                     ('clv', 1, x), ('clv', 2, t_x), ('clv', 3, "T")) AS f(d, k, v)
GROUP BY part;
-- the table holds the 0.1.0 bytes: after the length word, bins, count 500, capacity 1024, rows
SELECT part, length(pg_temp.bytes_of(rfm, 1)) AS rfm_bytes, substr(pg_temp.bytes_of(rfm, 1), 1, 20) AS rfm_header,
       pg_column_size(rfm) < length(pg_temp.bytes_of(rfm, 1)) AS compressed
FROM legacy_partials ORDER BY part;

-- rollups of stored partial states, as a user would write them: the merge function as transition
-- and combine function (strict, without initial value: the first stored value becomes the state)
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT * FROM (VALUES ('legacy_rfm_rollup', 'rfm_sample', 'rfm_sample_merge', 'rfm_breaks_final'),
                                   ('legacy_uplift_rollup', 'uplift_sample', 'uplift_merge', 'uplift_auc_final'),
                                   ('legacy_qini_rollup', 'uplift_sample', 'uplift_merge', 'qini_auc_final'),
                                   ('legacy_bgnbd_rollup', 'clv_sample', 'clv_merge', 'bgnbd_final')) AS x(name, typ, merge, final)
    LOOP
        EXECUTE format('CREATE AGGREGATE %1$I(c360.%2$I) (SFUNC = c360.%3$I, STYPE = c360.%2$I, FINALFUNC = c360.%4$I,
                        COMBINEFUNC = c360.%3$I, PARALLEL = SAFE)', a.name, a.typ, a.merge, a.final);
    END LOOP;
END $$;

-- the rollups of the stored 0.1.0 partials equal the aggregates over the rows (serial, then with
-- parallel workers merging the stored states and the leader combining theirs)
CREATE TABLE legacy_expected AS
SELECT (SELECT c360.rfm_breaks(recency, frequency, monetary)::text FROM legacy_rows) AS rfm,
       (SELECT c360.uplift_auc(score, treated, converted) FROM legacy_rows) AS uplift_auc,
       (SELECT c360.qini_auc(score, treated, converted) FROM legacy_rows) AS qini_auc,
       (SELECT c360.bgnbd_fit(x, t_x, "T")::text FROM legacy_rows) AS bgnbd;
SELECT left(rfm, 60) AS rfm_breaks, round(uplift_auc::numeric, 6) AS uplift_auc, round(qini_auc::numeric, 6) AS qini_auc
FROM legacy_expected;
CREATE VIEW legacy_rollups_match AS
SELECT legacy_rfm_rollup(rfm)::text = (SELECT rfm FROM legacy_expected) AS rfm,
       legacy_uplift_rollup(upl) = (SELECT uplift_auc FROM legacy_expected) AS uplift_auc,
       legacy_qini_rollup(upl) = (SELECT qini_auc FROM legacy_expected) AS qini_auc,
       legacy_bgnbd_rollup(clv)::text = (SELECT bgnbd FROM legacy_expected) AS bgnbd
FROM legacy_partials;
SELECT * FROM legacy_rollups_match;
:force_parallel
EXPLAIN (COSTS OFF) SELECT legacy_rfm_rollup(rfm) FROM legacy_partials;
SELECT * FROM legacy_rollups_match;
:reset_parallel
-- each stored value through the final functions, and merged with a value made today
SELECT p.part,
       c360.rfm_breaks_final(p.rfm)::text = (SELECT c360.rfm_breaks(recency, frequency, monetary)::text FROM legacy_rows r WHERE r.part = p.part) AS rfm,
       c360.uplift_auc_final(p.upl) IS NOT DISTINCT FROM (SELECT c360.uplift_auc(score, treated, converted) FROM legacy_rows r WHERE r.part = p.part) AS uplift_auc,
       c360.bgnbd_final(p.clv)::text = (SELECT c360.bgnbd_fit(x, t_x, "T")::text FROM legacy_rows r WHERE r.part = p.part) AS bgnbd,
       c360.rfm_sample_merge(p.rfm, p.rfm::text::c360.rfm_sample)::text
           = c360.rfm_sample_merge(p.rfm::text::c360.rfm_sample, p.rfm::text::c360.rfm_sample)::text AS rfm_merge
FROM legacy_partials p ORDER BY p.part;
-- binary COPY of the stored values writes the current layout's binary form, which reads back
\getenv abs_builddir PG_ABS_BUILDDIR
\set copy_file :abs_builddir '/results/legacy_partials.bin'
COPY legacy_partials TO :'copy_file' (FORMAT binary);
CREATE TABLE legacy_copied (LIKE legacy_partials);
COPY legacy_copied FROM :'copy_file' (FORMAT binary);
SELECT bool_and(c.rfm::text = p.rfm::text AND c.upl::text = p.upl::text AND c.clv::text = p.clv::text) AS same,
       count(*) AS parts
FROM legacy_copied c JOIN legacy_partials p USING (part);

-- a binary COPY file of 0.1.0 (c360.rfm_sample alone had send/recv then): its field bytes were
-- [int32 bins][int64 count][float8 values], network order; a bytea column of binary COPY writes
-- exactly the bytes given, so the file is made from them
CREATE TABLE legacy_send_bytes (n int, what text, v bytea);
INSERT INTO legacy_send_bytes
SELECT n, what, int4send(bins) || int8send(count)
          || (SELECT coalesce(string_agg(float8send(x), ''::bytea ORDER BY o), ''::bytea) FROM unnest(vals) WITH ORDINALITY u(x, o))
FROM (VALUES (1, 'two customers', 5, 2, '{1.5,2,0.1,-3.25e-300,7,1e300}'::float8[]),
             (2, 'bins 100', 100, 1, '{0,0,0}'), (3, 'count larger than the values', 5, 3, '{1,2,3}'),
             (4, 'no customer (0.1.0 refused it)', 5, 0, '{}'), (5, 'NaN', 5, 1, '{1,2,NaN}')) AS x(n, what, bins, count, vals);
\set send_file :abs_builddir '/results/legacy_send_010.bin'
CREATE TABLE legacy_received (v c360.rfm_sample);
CREATE FUNCTION pg_temp.recv_010(file text, which int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    outcome text;
BEGIN
    TRUNCATE legacy_received;
    EXECUTE format('COPY (SELECT v FROM legacy_send_bytes WHERE n = %s) TO %L (FORMAT binary)', which, file);
    outcome := pg_temp.sqlstate_of(format('COPY legacy_received FROM %L (FORMAT binary)', file));
    RETURN CASE WHEN outcome = 'no error' THEN (SELECT v::text FROM legacy_received) ELSE outcome END;
END $$;
SELECT n, what, pg_temp.recv_010(:'send_file', n) AS received FROM legacy_send_bytes ORDER BY n;

-- ---- damaged 0.1.0 values: XX001 wherever they enter -----------------------------------------

CREATE TABLE legacy_damaged (n serial, what text, typname text, img bytea);
INSERT INTO legacy_damaged (what, typname, img) VALUES ('rfm intact (for comparison)', 'rfm_sample',
    pg_temp.image_010(5, '{}', 1, 2, '{1,2,3}'));
INSERT INTO legacy_damaged (what, typname, img) VALUES
    ('rfm length one byte short', 'rfm_sample', substr(pg_temp.image_010(5, '{}', 1, 2, '{1,2,3}'), 1, 67)),
    ('rfm length one row long', 'rfm_sample',
        pg_temp.image_010(5, '{}', 1, 2, '{1,2,3}') || pg_temp.doubles('{0,0,0}')),
    ('rfm count > capacity', 'rfm_sample', pg_temp.image_010(5, '{}', 2, 1, '{1,2,3}')),
    ('rfm negative count', 'rfm_sample', pg_temp.image_010(5, '{}', -1, 1, '{1,2,3}')),
    ('rfm bins 0', 'rfm_sample', pg_temp.image_010(0, '{}', 1, 1, '{1,2,3}')),
    ('rfm bins 101', 'rfm_sample', pg_temp.image_010(101, '{}', 1, 1, '{1,2,3}')),
    ('rfm empty', 'rfm_sample', pg_temp.image_010(5, '{}', 0, 1024, '{}')),
    ('rfm infinite value', 'rfm_sample', pg_temp.image_010(5, '{}', 1, 1, '{1,2,Infinity}')),
    ('uplift version 2', 'uplift_sample', pg_temp.image_010(2, '{0.3}', 0, 1, '{}')),
    ('uplift NaN parameter', 'uplift_sample', pg_temp.image_010(1, '{NaN}', 0, 1, '{}')),
    ('uplift treated 0.5', 'uplift_sample', pg_temp.image_010(1, '{0.3}', 1, 1, '{0.5,0.5,1}')),
    ('uplift count > capacity', 'uplift_sample', pg_temp.image_010(1, '{0.3}', 2, 1, '{0.5,1,1}')),
    ('clv model 3', 'clv_sample', pg_temp.image_010(3, '{}', 0, 1, '{}')),
    ('clv model -1', 'clv_sample', pg_temp.image_010(-1, '{}', 0, 1, '{}')),
    ('clv t_x > T', 'clv_sample', pg_temp.image_010(0, '{}', 1, 1, '{1,5,4}')),
    ('clv truncated header', 'clv_sample', substr(pg_temp.image_010(0, '{}', 0, 1, '{}'), 1, 12)),
    ('another type''s value', 'clv_sample', pg_temp.bytes_of('rfmb1(5,1:1 2 3)', 1));
CREATE FUNCTION pg_temp.damaged_outcomes(typname text, img bytea)
RETURNS TABLE (func text, outcome text) LANGUAGE plpgsql AS $$
DECLARE
    v text := format('pg_temp.%I(%L::bytea, 1)', typname || '_of_bytes', img);
    f record;
BEGIN
    FOR f IN SELECT * FROM (VALUES
            ('out', 'SELECT %s::text'),
            ('send', 'SELECT c360.' || typname || '_send(%s)'),
            ('merge', 'SELECT c360.' || CASE typname WHEN 'rfm_sample' THEN 'rfm_sample' WHEN 'uplift_sample' THEN 'uplift' ELSE 'clv' END
                      || '_merge(%1$s, %1$s)'),
            ('final', 'SELECT c360.' || CASE typname WHEN 'rfm_sample' THEN 'rfm_breaks' WHEN 'uplift_sample' THEN 'qini_auc' ELSE 'bgnbd' END
                      || '_final(%s)')) AS x(func, query)
    LOOP
        func := f.func;
        outcome := pg_temp.sqlstate_of(format(f.query, v));
        outcome := CASE WHEN outcome = 'no error' THEN 'read' ELSE left(outcome, 5) END;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT d.what, string_agg(o.func || ' ' || o.outcome, ', ' ORDER BY o.func) AS outcomes
FROM legacy_damaged d, pg_temp.damaged_outcomes(d.typname, d.img) o
GROUP BY d.n, d.what ORDER BY d.n;
-- the message names the type; the detail says what does not hold
SELECT pg_temp.rfm_sample_of_bytes(pg_temp.image_010(5, '{}', 2, 1, '{1,2,3}'), 1)::text;
SELECT pg_temp.rfm_sample_of_bytes(substr(pg_temp.image_010(5, '{}', 1, 2, '{1,2,3}'), 1, 67), 1)::text;
SELECT pg_temp.clv_sample_of_bytes(pg_temp.image_010(3, '{}', 0, 1, '{}'), 1)::text;

DROP VIEW legacy_rollups_match;
DROP AGGREGATE legacy_rfm_rollup(c360.rfm_sample);
DROP AGGREGATE legacy_uplift_rollup(c360.uplift_sample);
DROP AGGREGATE legacy_qini_rollup(c360.uplift_sample);
DROP AGGREGATE legacy_bgnbd_rollup(c360.clv_sample);
