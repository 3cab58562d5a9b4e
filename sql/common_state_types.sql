--
-- Every state and model type of the extension (every base type in schema c360, from the catalog):
-- text out -> in round trip of a value its aggregate made, binary COPY round trip, send/recv set,
-- corrupted text and binary input refused with a SQLSTATE.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
\getenv abs_builddir PG_ABS_BUILDDIR
\set copy_dir :abs_builddir '/results'

-- every base type of the extension has binary input and output
SELECT t.typname, t.typlen, t.typreceive::regproc AS receive, t.typsend::regproc AS send
FROM pg_catalog.pg_type t
WHERE t.typnamespace = 'c360'::regnamespace AND t.typtype = 'b' AND t.typelem = 0
ORDER BY t.typname;
SELECT count(*) AS base_types_without_send_or_recv
FROM pg_catalog.pg_type t
WHERE t.typnamespace = 'c360'::regnamespace AND t.typtype = 'b' AND t.typelem = 0
  AND (t.typreceive = 0 OR t.typsend = 0);

-- a real value of each type, made by its aggregate (the partial aggregates expose the states)
\i :abs_srcdir/sql/include/state_aggregates.psql

CREATE TABLE state_rows AS
SELECT i, (i % 3 = 0) AS y, ARRAY[i / 7.0, sin(i)]::float8[] AS x, (i * 0.618) - floor(i * 0.618) AS p,
       (i % 2 = 0) AS treated, i * 1e-3 AS amount,
       TIMESTAMPTZ '2024-01-01 00:00+00' + i * INTERVAL '5 days' AS ts
FROM generate_series(1, 60) i;
CREATE TABLE state_values (typname name, v text);
INSERT INTO state_values
SELECT 'rfm_state', c360.rfm_partial(ts, amount, TIMESTAMPTZ '2024-09-01 00:00+00')::text FROM state_rows UNION ALL
SELECT 'rfm_sample', pg_temp.rfm_sample_of(i % 17, i % 5, amount)::text FROM state_rows UNION ALL
SELECT 'logit_model', c360.logit_fit(y, x)::text FROM state_rows UNION ALL
SELECT 'logit_rows', pg_temp.logit_rows_of(y, x)::text FROM state_rows UNION ALL
SELECT 'logit_stats', c360.logit_step(y, x, c360.logit_start())::text FROM state_rows UNION ALL
SELECT 'score_sample', pg_temp.score_sample_of(p, y)::text FROM state_rows UNION ALL
SELECT 'score_bins', pg_temp.score_bins_of(p, y, 10)::text FROM state_rows UNION ALL
SELECT 'ab_state', pg_temp.ab_state_of(treated, amount)::text FROM state_rows UNION ALL
SELECT 'uplift_sample', pg_temp.uplift_sample_of(p, treated, y, 0.3)::text FROM state_rows UNION ALL
SELECT 'clv_sample', pg_temp.clv_sample_of(i % 4, CASE WHEN i % 4 = 0 THEN 0 ELSE i / 2.0 END, 40)::text FROM state_rows UNION ALL
SELECT 'slowdown_state', pg_temp.slowdown_state_of(ts, TIMESTAMPTZ '2024-09-01 00:00+00', 30)::text FROM state_rows UNION ALL
SELECT 'basket_state', pg_temp.basket_state_of(i % 7, i % 5)::text FROM state_rows UNION ALL
SELECT 'clv_search', c360.clv_start('pareto_nbd')::text UNION ALL
SELECT 'clv_pass', c360.clv_step(i % 4, CASE WHEN i % 4 = 0 THEN 0 ELSE i / 2.0 END, 40, 1, c360.clv_start('pareto_nbd'))::text FROM state_rows;

-- no type left out, and nothing else
SELECT t.typname AS type_without_value
FROM pg_catalog.pg_type t
WHERE t.typnamespace = 'c360'::regnamespace AND t.typtype = 'b' AND t.typelem = 0
  AND t.typname NOT IN (SELECT typname FROM state_values);
SELECT typname, left(v, 40) AS text_form, length(v) > 0 AS made FROM state_values ORDER BY typname;

-- text out -> in -> out is exact; binary COPY out -> in gives the same text; send bytes agree
CREATE FUNCTION pg_temp.round_trips(dir text)
RETURNS TABLE (typname name, text_round_trip bool, binary_round_trip bool, same_send bool)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    file text;
BEGIN
    FOR r IN SELECT s.typname, s.v FROM state_values s ORDER BY s.typname LOOP
        file := dir || '/state_' || r.typname || '.bin';
        EXECUTE format('CREATE TABLE %I (id int, v c360.%I)', 'out_' || r.typname, r.typname);
        EXECUTE format('INSERT INTO %I VALUES (1, %L), (2, NULL), (3, %L)', 'out_' || r.typname, r.v, r.v);
        EXECUTE format('COPY %I TO %L (FORMAT binary)', 'out_' || r.typname, file);
        EXECUTE format('CREATE TABLE %I (LIKE %I)', 'in_' || r.typname, 'out_' || r.typname);
        EXECUTE format('COPY %I FROM %L (FORMAT binary)', 'in_' || r.typname, file);
        typname := r.typname;
        EXECUTE format('SELECT %L::c360.%I::text = %L', r.v, r.typname, r.v) INTO text_round_trip;
        EXECUTE format('SELECT bool_and(o.v::text IS NOT DISTINCT FROM i.v::text) AND count(*) = 3
                        FROM %I o JOIN %I i USING (id)', 'out_' || r.typname, 'in_' || r.typname)
            INTO binary_round_trip;
        EXECUTE format('SELECT bool_and(c360.%I(o.v) = c360.%I(i.v)) FROM %I o JOIN %I i USING (id)',
                       r.typname || '_send', r.typname || '_send', 'out_' || r.typname, 'in_' || r.typname)
            INTO same_send;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT * FROM pg_temp.round_trips(:'copy_dir');

-- corrupted text: empty, truncated, trailing garbage, wrong tag, a NaN, a number out of range
CREATE FUNCTION pg_temp.corrupt_text(typname name, v text)
RETURNS TABLE (variant text, outcome text) LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM (VALUES
            ('empty', ''),
            ('truncated', left(v, -1)),
            ('cut in half', left(v, length(v) / 2)),
            ('trailing garbage', v || 'x'),
            ('wrong tag', 'zz' || substr(v, strpos(v, '('))),
            ('NaN number', regexp_replace(v, '[;,:]([0-9.e+-]+)([;, )])', ',NaN\2')),
            ('number out of range', regexp_replace(v, '\(([0-9.e+-]+)', '(1e999'))) AS x(variant, text)
    LOOP
        variant := c.variant;
        outcome := left(pg_temp.sqlstate_of(format('SELECT %L::c360.%I', c.text, typname)), 5);
        RETURN NEXT;
    END LOOP;
END $$;
SELECT s.typname, count(*) AS variants, count(*) FILTER (WHERE c.outcome = '22P02') AS refused_22p02,
       string_agg(c.variant || ': ' || c.outcome, ', ') FILTER (WHERE c.outcome <> '22P02') AS other
FROM state_values s, pg_temp.corrupt_text(s.typname, s.v) c
GROUP BY s.typname ORDER BY s.typname;

-- corrupted binary: the send bytes cut short, with a byte more, or with the first byte flipped,
-- fed to recv through binary COPY of a bytea column (binary COPY passes the field bytes to recv)
CREATE TABLE raw_bytes (v bytea);
CREATE FUNCTION pg_temp.corrupt_binary(dir text, typname name, v text)
RETURNS TABLE (variant text, outcome text) LANGUAGE plpgsql AS $$
DECLARE
    c record;
    good bytea;
    file text := dir || '/corrupt_' || typname || '.bin';
BEGIN
    EXECUTE format('SELECT c360.%I(%L::c360.%I)', typname || '_send', v, typname) INTO good;
    EXECUTE format('CREATE TABLE %I (v c360.%I)', 'bad_' || typname, typname);
    FOR c IN SELECT * FROM (VALUES
            ('good', good),
            ('empty', ''::bytea),
            ('cut short', substr(good, 1, length(good) - 1)),
            ('byte more', good || '\x00'::bytea),
            ('first byte flipped', set_byte(good, 0, 255 - get_byte(good, 0)))) AS x(variant, bytes)
    LOOP
        TRUNCATE raw_bytes;
        INSERT INTO raw_bytes VALUES (c.bytes);
        EXECUTE format('COPY raw_bytes TO %L (FORMAT binary)', file);
        variant := c.variant;
        outcome := pg_temp.sqlstate_of(format('COPY %I FROM %L (FORMAT binary)', 'bad_' || typname, file));
        outcome := CASE WHEN outcome = 'no error' THEN 'read' ELSE left(outcome, 5) END;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT s.typname, string_agg(c.variant || ': ' || c.outcome, ', ') AS outcomes
FROM state_values s, pg_temp.corrupt_binary(:'copy_dir', s.typname, s.v) c
GROUP BY s.typname ORDER BY s.typname;

-- a few corruptions by name, with their messages
SELECT what, pg_temp.sqlstate_of(query) AS result
FROM (VALUES
    ('rfm_sample count lies',   $$SELECT 'rfmb1(5,2:1 2 3)'::c360.rfm_sample$$),
    ('rfm_sample infinity',     $$SELECT 'rfmb1(5,1:1 2 inf)'::c360.rfm_sample$$),
    ('rfm_sample huge count',   $$SELECT 'rfmb1(5,9223372036854775807:1 2 3)'::c360.rfm_sample$$),
    ('uplift_sample NaN param', $$SELECT 'upl1(nan;0)'::c360.uplift_sample$$),
    ('uplift_sample huge count', $$SELECT 'upl1(0.3;1e300;1,1,1)'::c360.uplift_sample$$),
    ('clv_sample Gamma-Gamma x = 0', $$SELECT 'clv1(2;1;0,5,0)'::c360.clv_sample$$),
    ('logit_model negative count', $$SELECT 'logit_model(-1,1,100,1,0,0,0,0,0,0,0,0;0,1e-18,0,0,0,0,0)'::c360.logit_model$$),
    ('basket_state infinity',   $$SELECT 'bask1(1,inf,0,0,0,0,0,0,0,0,0,0,0)'::c360.basket_state$$),
    ('ab_state confidence 1',   $$SELECT 'ab1(1,1,0;0,0,0,0,0,0;0,0,0,0,0,0)'::c360.ab_state$$),
    ('rfm_state int overflow',  $$SELECT 'rfm1(0,0,9223372036854775808,0,0,0,0,0,0,0)'::c360.rfm_state$$)
) AS t(what, query);

-- the text forms of 0.1.0 read back unchanged (what pg_dump wrote before the upgrade)
SELECT v, v::c360.uplift_sample::text = v AS same
FROM (VALUES ('upl1(0.3;0)'), ('upl1(10;2;0.25,1,0;-1e-310,0,1)')) AS t(v);
SELECT v, v::c360.clv_sample::text = v AS same
FROM (VALUES ('clv1(0;0)'), ('clv1(0;2;2,30.5,38.875;0,0,12)'), ('clv1(2;1;3,12.25,0)')) AS t(v);
SELECT v, v::c360.rfm_sample::text = v AS same FROM (VALUES ('rfmb1(5,2:1.5 2 0.1,-3.25e-300 7 1e+300)')) AS t(v);

-- values read back by binary COPY work in the aggregates' functions like the originals
SELECT c360.rfm_breaks_final(i.v) = c360.rfm_breaks_final(o.v) AS same_breaks
FROM in_rfm_sample i JOIN out_rfm_sample o USING (id) WHERE id = 1;
SELECT c360.uplift_auc_final(i.v) = c360.uplift_auc_final(o.v) AS same_auc,
       c360.uplift_merge(i.v, o.v)::text = c360.uplift_merge(o.v, o.v)::text AS same_merge
FROM in_uplift_sample i JOIN out_uplift_sample o USING (id) WHERE id = 1;
