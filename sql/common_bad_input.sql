--
-- The bad-input sweep (issue 12, item 2), driven by the catalog: every function and aggregate that is a
-- member of extension customer360 (pg_depend deptype 'e') is called, each call in its own subtransaction
-- (always rolled back), with
--   - NULL in each argument, and every NULL pattern (all 2^n subsets; n > 6: all NULL, all but one NULL)
--     for functions that are not STRICT and for aggregates;
--   - NaN, +-Infinity and huge values for float8/float4/numeric, empty, NULL-element, two-dimensional,
--     non-1-based and huge arrays, extreme integers (2147483647, -2147483648, -1, 0), infinite and extreme
--     dates, timestamps and intervals, empty and long text, odd jsonb, unknown relations and columns;
--   - a sane value in every other argument (by type, a few by argument name; states and models of the
--     extension are built by the extension itself below);
-- aggregates are called as aggregates over a tiny VALUES set holding the bad row (alone, and after a
-- sane row) and once over no row. The text form of every state and model type is corrupted (empty,
-- truncated, bit-flipped, garbage, each number replaced by huge numbers, nan, inf, trailing junk) and
-- fed to its input function.
-- A row is printed (expected: none) for an internal error (SQLSTATE class XX or 58) not in the short
-- list pg_temp.documented_internal below, and for a returned value of a c360 type (or an array of one,
-- or an OUT column of one) whose text output does not read back through its input function to the same
-- text (out -> in -> out). A backend crash ends the test (connection lost).
--
-- The figures (functions, aggregates, calls, time, SQLSTATE histogram) are NOTICEs, hidden by
-- client_min_messages; scripts/sweep-report.sh runs this test with C360_SWEEP_REPORT=1 and prints them.
--
-- Not called, by rule: functions returning trigger; type input/receive functions (cstring/internal
-- arguments: the corrupted-text section below calls the input functions, sql/common_state_types.sql the
-- receive functions); they are listed in the output. The tracking functions are called like the others
-- (each call is rolled back: the triggers it attaches and the state it writes go with it).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
\getenv sweep_report C360_SWEEP_REPORT
\if :{?sweep_report}
SET client_min_messages = notice;
\else
SET client_min_messages = warning;
\endif
-- the whole sweep fails (57014) rather than hangs
SET statement_timeout = '240s';
-- shortest round-trip floats in the texts compared
SET extra_float_digits = 1;

CREATE SCHEMA sweep;
-- one table with every column the table functions expect (orders, people, contracts, pairs, training rows)
CREATE TABLE sweep.orders (id int, customer_id text, order_ts timestamptz, order_date date, amount float8,
                           birth_date date, ends_on date, email text, name text,
                           id_l int, id_r int, probability float8, y bool, x1 float8);
INSERT INTO sweep.orders
SELECT i, 'c' || (i % 4), TIMESTAMPTZ '2019-01-01 00:00+00' + i * INTERVAL '9 days', DATE '2019-01-01' + i * 9,
       i * 1.5, DATE '1980-01-01' + i * 40, DATE '2020-01-01' + i, 'e' || (i % 3) || '@x.org', 'name ' || (i % 5),
       i, i + 1, (i % 10) / 10.0, i % 3 = 0, sin(i)
FROM generate_series(1, 24) i;

-- a valid value of every state and model type, made by the extension (as in common_state_types)
\i :abs_srcdir/sql/include/state_aggregates.psql
CREATE TABLE sweep.rows AS
SELECT i, (i % 3 = 0) AS y, ARRAY[i / 7.0, sin(i)]::float8[] AS x, (i * 0.618) - floor(i * 0.618) AS p,
       (i % 2 = 0) AS treated, i * 1e-3 AS amount, TIMESTAMPTZ '2024-01-01 00:00+00' + i * INTERVAL '5 days' AS ts
FROM generate_series(1, 60) i;

-- sane(argname, typ, expr): the value of an argument of that type (argname NULL: any name)
CREATE TABLE sweep.sane (argname text, typ regtype, expr text);
INSERT INTO sweep.sane
SELECT NULL, t::regtype, quote_literal(v) || '::' || t FROM (
    SELECT 'c360.rfm_state', c360.rfm_partial(ts, amount, TIMESTAMPTZ '2024-09-01 00:00+00')::text FROM sweep.rows UNION ALL
    SELECT 'c360.rfm_sample', pg_temp.rfm_sample_of(i % 17, i % 5, amount)::text FROM sweep.rows UNION ALL
    SELECT 'c360.logit_model', c360.logit_fit(y, x)::text FROM sweep.rows UNION ALL
    SELECT 'c360.logit_rows', pg_temp.logit_rows_of(y, x)::text FROM sweep.rows UNION ALL
    SELECT 'c360.logit_stats', c360.logit_step(y, x, c360.logit_start())::text FROM sweep.rows UNION ALL
    SELECT 'c360.score_sample', pg_temp.score_sample_of(p, y)::text FROM sweep.rows UNION ALL
    SELECT 'c360.score_bins', pg_temp.score_bins_of(p, y, 10)::text FROM sweep.rows UNION ALL
    SELECT 'c360.ab_state', pg_temp.ab_state_of(treated, amount)::text FROM sweep.rows UNION ALL
    SELECT 'c360.uplift_sample', pg_temp.uplift_sample_of(p, treated, y, 0.3)::text FROM sweep.rows UNION ALL
    SELECT 'c360.clv_sample', pg_temp.clv_sample_of(i % 4, CASE WHEN i % 4 = 0 THEN 0 ELSE i / 2.0 END, 40)::text FROM sweep.rows UNION ALL
    SELECT 'c360.slowdown_state', pg_temp.slowdown_state_of(ts, TIMESTAMPTZ '2024-09-01 00:00+00', 30)::text FROM sweep.rows UNION ALL
    SELECT 'c360.basket_state', pg_temp.basket_state_of(i % 7, i % 5)::text FROM sweep.rows UNION ALL
    SELECT 'c360.clv_search', c360.clv_start('bgnbd')::text UNION ALL
    SELECT 'c360.clv_pass', c360.clv_step(i % 4, CASE WHEN i % 4 = 0 THEN 0 ELSE i / 2.0 END, 40, 1, c360.clv_start('bgnbd'))::text FROM sweep.rows UNION ALL
    -- composite types taken as arguments
    SELECT 'c360.rfm_breaks', c360.rfm_breaks(i % 17, i % 5, amount)::text FROM sweep.rows UNION ALL
    SELECT 'c360.logit_options', c360.logit_options()::text UNION ALL
    SELECT 'c360.bgnbd_model', c360.bgnbd_fit(i % 4, CASE WHEN i % 4 = 0 THEN 0 ELSE i / 2.0 END, 40)::text FROM sweep.rows UNION ALL
    SELECT 'c360.pareto_nbd_model', c360.pareto_nbd_fit(i % 4, CASE WHEN i % 4 = 0 THEN 0 ELSE i / 2.0 END, 40)::text FROM sweep.rows UNION ALL
    SELECT 'c360.gamma_gamma_model', c360.gamma_gamma_fit(1 + i % 4, 10 + i % 7)::text FROM sweep.rows UNION ALL
    SELECT 'c360.lift_mean_result', c360.lift_mean(treated, amount)::text FROM sweep.rows UNION ALL
    SELECT 'c360.survivor_state', ROW('a', 0.5, TIMESTAMPTZ '2020-01-01 00:00+00')::c360.survivor_state::text UNION ALL
    SELECT 'c360.frequency_state', ROW('{a}', '{1}')::c360.frequency_state::text
) s(t, v);
INSERT INTO sweep.sane VALUES
    (NULL, 'int4', '1'), (NULL, 'int8', '1'), (NULL, 'int2', '1'), (NULL, 'float8', '0.5'), (NULL, 'float4', '0.5'),
    (NULL, 'numeric', '1'), (NULL, 'bool', 'true'), (NULL, 'text', '''a'''), (NULL, 'name', '''customer_id'''),
    (NULL, 'timestamptz', '''2020-01-01 00:00+00''::timestamptz'), (NULL, 'date', '''2020-01-01''::date'),
    (NULL, 'interval', '''1 day''::interval'), (NULL, 'jsonb', '''{}''::jsonb'), (NULL, 'regclass', '''sweep.orders''::regclass'),
    (NULL, 'int4[]', '''{1}''::int4[]'), (NULL, 'int8[]', '''{10,12}''::int8[]'), (NULL, 'float8[]', '''{0.5,0.5}''::float8[]'),
    (NULL, 'text[]', '''{a,b}''::text[]'), (NULL, 'name[]', '''{email}''::name[]'), (NULL, 'bool[]', '''{false}''::bool[]'),
    -- columns of sweep.orders by argument name
    ('customer_col', 'name', '''customer_id'''), ('cust', 'text', '''c1'''), ('ts_col', 'name', '''order_ts'''),
    ('amount_col', 'name', '''amount'''), ('id_col', 'name', '''id'''), ('date_col', 'name', '''birth_date'''),
    ('end_col', 'name', '''ends_on'''), ('left_col', 'name', '''id_l'''), ('right_col', 'name', '''id_r'''),
    ('score_col', 'name', '''probability'''), ('methods', 'text[]', '''{exact}''::text[]'),
    ('blocks', 'text[]', '''{email}''::text[]'), ('fields', 'text[]', '''{email}''::text[]'), ('names', 'text[]', '''{x1,x2}''::text[]'),
    -- SQL text the function runs (trusted input)
    ('model', 'text', '''bgnbd'''),
    ('source', 'text', '''sweep.orders'''), ('label', 'text', '''y'''), ('features', 'text', '''ARRAY[x1]'''),
    ('query', 'text', '''SELECT id_l, id_r FROM sweep.orders'''), ('caller_search_path', 'text', '''pg_catalog'''),
    ('method', 'text', '''exact'''), ('default_country', 'text', '''FR'''), ('rule_type', 'text', '''welcome'''),
    ('params', 'jsonb', '''{"count": 3}''::jsonb'), ('bins', 'int4', '5'), ('levels', 'int4[]', '''{1}''::int4[]'),
    ('nlevels', 'int4[]', '''{2}''::int4[]');
-- Fellegi-Sunter patterns and a model of one field with two levels
INSERT INTO sweep.sane
SELECT n.a, 'float8[]', quote_literal(CASE WHEN n.a = 'model' THEN c360.fs_estimate(t.p) ELSE t.p END::text) || '::float8[]'
FROM (SELECT c360.fs_patterns(ARRAY[CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END], ARRAY[2]) AS p FROM generate_series(1, 40) i) t,
     unnest(ARRAY['model', 'patterns', 'state', 'a', 'b', 'random_pairs', 'candidates']) n(a);

-- bad values by type: (typ, label, expr)
CREATE TABLE sweep.bad (typ regtype, label text, expr text);
INSERT INTO sweep.bad
SELECT t::regtype, v, quote_literal(v) || '::' || t
FROM unnest(ARRAY['float8', 'float4']) t, unnest(ARRAY['NaN', 'Infinity', '-Infinity', '-1', '0', '1e308', '-1e308', '5e-324']) v
WHERE NOT (t = 'float4' AND v IN ('1e308', '-1e308', '5e-324'))
UNION ALL SELECT 'numeric', v, quote_literal(v) || '::numeric' FROM unnest(ARRAY['NaN', 'Infinity', '-Infinity', '-1', '0', '1e400']) v
UNION ALL SELECT 'int4', v, v || '::int4' FROM unnest(ARRAY['2147483647', '-2147483648', '-1', '0']) v
UNION ALL SELECT 'int2', v, v || '::int2' FROM unnest(ARRAY['32767', '-32768', '-1', '0']) v
UNION ALL SELECT 'int8', v, v || '::int8' FROM unnest(ARRAY['9223372036854775807', '-9223372036854775808', '-1', '0']) v
UNION ALL SELECT 'date', v, quote_literal(v) || '::date' FROM unnest(ARRAY['infinity', '-infinity', '4714-11-24 BC', '5874897-12-31']) v
UNION ALL SELECT 'timestamptz', v, quote_literal(v) || '::timestamptz'
FROM unnest(ARRAY['infinity', '-infinity', '4714-11-24 00:00+00 BC', '294276-12-31 23:59:59+00']) v
UNION ALL SELECT 'interval', v, quote_literal(v) || '::interval'
FROM unnest(ARRAY['0', '-1 day', '1 microsecond', '178000000 years', '-178000000 years']) v
UNION ALL SELECT 'text', l, e FROM (VALUES ('empty', ''''''), ('space', ''' '''), ('accent', '''é'''),
                                          ('100k chars', 'repeat(''ab '', 33334)')) x(l, e)
UNION ALL SELECT 'jsonb', v, quote_literal(v) || '::jsonb' FROM unnest(ARRAY['[]', 'null', '"x"', '1e400', '{"count": -1}', '{"count": "x"}']) v
UNION ALL SELECT 'regclass', l, e FROM (VALUES ('oid 0', '0::oid::regclass'), ('pg_class', '''pg_catalog.pg_class''::regclass')) x(l, e)
UNION ALL SELECT 'name', v, quote_literal(v) || '::name' FROM unnest(ARRAY['', 'no_such_column', 'a"b;--']) v
UNION ALL SELECT t::regtype, v, quote_literal(v) || '::' || t
FROM unnest(ARRAY['float8[]', 'int4[]', 'int8[]', 'text[]', 'name[]', 'bool[]']) t,
     unnest(ARRAY['{}', '{NULL}', '{{1,0},{1,0}}', '[0:1]={1,1}']) v
UNION ALL SELECT 'float8[]', v, quote_literal(v) || '::float8[]'
FROM unnest(ARRAY['{NaN,NaN}', '{Infinity,-Infinity}', '{1e308,1e308}', '{-1,-1}', '{0,0}']) v
UNION ALL SELECT 'float8[]', '100k elements', 'array_fill(0.5::float8, ARRAY[100000])'
UNION ALL SELECT 'int4[]', v, quote_literal(v) || '::int4[]' FROM unnest(ARRAY['{2147483647,2147483647}', '{-1,-1}', '{0,0}']) v
UNION ALL SELECT 'int8[]', v, quote_literal(v) || '::int8[]' FROM unnest(ARRAY['{9223372036854775807,9223372036854775807}', '{-1,-1}', '{0,0}']) v
UNION ALL SELECT 'text[]', v, quote_literal(v) || '::text[]' FROM unnest(ARRAY['{""}', '{no_such_method}']) v;

-- composite arguments: every field NULL, each field NULL, every float field bad, every integer field bad
CREATE FUNCTION pg_temp.composite_variants(typ regtype, sane text)
RETURNS TABLE (label text, expr text) LANGUAGE plpgsql AS $$
DECLARE
    a record;
    fields text[];
    v text;
BEGIN
    SELECT array_agg(att.attname::text ORDER BY att.attnum) INTO fields
    FROM pg_attribute att JOIN pg_type t ON t.typrelid = att.attrelid
    WHERE t.oid = typ AND att.attnum > 0 AND NOT att.attisdropped;
    label := 'all fields NULL';
    expr := format('ROW(%s)::%s', array_to_string(array_fill('NULL'::text, ARRAY[cardinality(fields)]), ', '), typ);
    RETURN NEXT;
    FOR a IN SELECT att.attname, att.atttypid, att.attnum FROM pg_attribute att JOIN pg_type t ON t.typrelid = att.attrelid
             WHERE t.oid = typ AND att.attnum > 0 AND NOT att.attisdropped ORDER BY att.attnum LOOP
        label := a.attname || ' NULL';
        expr := format('(SELECT ROW(%s)::%s FROM (SELECT %s AS v) z)',
                       (SELECT string_agg(CASE WHEN f = a.attname THEN 'NULL' ELSE format('(z.v).%I', f) END, ', ')
                        FROM unnest(fields) f), typ, sane);
        RETURN NEXT;
    END LOOP;
    FOREACH v IN ARRAY ARRAY['NaN', 'Infinity', '-Infinity', '-1', '0', '1e308', '2147483647'] LOOP
        label := 'numeric fields ' || v;
        expr := format('(SELECT ROW(%s)::%s FROM (SELECT %s AS v) z)',
                       (SELECT string_agg(CASE WHEN att.atttypid IN ('float8'::regtype, 'float4'::regtype)
                                                    AND v <> '2147483647' THEN quote_literal(v) || '::float8'
                                               WHEN att.atttypid IN ('int4'::regtype, 'int8'::regtype)
                                                    AND v IN ('-1', '0', '2147483647') THEN v
                                               WHEN att.atttypid = 'float8[]'::regtype AND v <> '2147483647'
                                                    THEN format('ARRAY[%L, %L]::float8[]', v, v)
                                               ELSE format('(z.v).%I', att.attname) END, ', ' ORDER BY att.attnum)
                        FROM pg_attribute att JOIN pg_type t ON t.typrelid = att.attrelid
                        WHERE t.oid = typ AND att.attnum > 0 AND NOT att.attisdropped), typ, sane);
        RETURN NEXT;
    END LOOP;
END $$;
INSERT INTO sweep.bad
SELECT s.typ, c.label, c.expr FROM sweep.sane s, pg_temp.composite_variants(s.typ, s.expr) c
WHERE s.argname IS NULL AND (SELECT typtype FROM pg_type WHERE oid = s.typ) = 'c';

-- Internal errors (SQLSTATE class XX, 58) that are documented and expected: (function, sqlstate, why).
-- Keep it short; every entry needs a reason.
CREATE TABLE sweep.documented_internal (fn text, sqlstate text, message_like text, why text);
INSERT INTO sweep.documented_internal VALUES
    -- a Fellegi-Sunter model or pattern table is a float8[] the extension wrote; a damaged one is XX001
    -- data_corrupted, by design (docs/match.md, sql/match_checks.sql, sql/match_model_layout.sql)
    (NULL, 'XX001', '%invalid match model%', 'damaged match model (float8[]): data_corrupted by design'),
    (NULL, 'XX001', '%invalid term-frequency%', 'damaged term-frequency table or state (float8[]): data_corrupted by design'),
    (NULL, 'XX001', '%not a comparison pattern table%', 'damaged pattern table (float8[]): data_corrupted by design'),
    (NULL, 'XX001', '%corrupted comparison pattern table%', 'damaged pattern table (float8[]): data_corrupted by design'),
    -- support functions that keep their state in the aggregate context refuse a plain call, as
    -- PostgreSQL's own array_agg_transfn does ("called in non-aggregate context", XX000)
    (NULL, 'XX000', '%runs only inside the aggregate%', 'aggregate support function called directly');

-- the extension's functions and aggregates, with the rule that skips some
CREATE VIEW sweep.routines AS
SELECT p.oid, p.oid::regprocedure AS sig, p.proname, p.prokind, p.proisstrict, p.proretset, p.prorettype,
       ARRAY(SELECT unnest(p.proargtypes::oid[])) AS argtypes, p.proargnames, p.proargmodes, p.proallargtypes,
       CASE WHEN p.prorettype = 'trigger'::regtype THEN 'returns trigger: runs only as a trigger'
            WHEN p.proargtypes::oid[] && ARRAY['cstring'::regtype, 'internal'::regtype]::oid[]
                THEN 'type input/receive function (cstring/internal argument): see the corrupted-text section'
       END AS skipped
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass AND e.extname = 'customer360';

-- is a value of this type checked for out -> in -> out (a c360 type or an array of one)
CREATE FUNCTION pg_temp.checked_type(t oid) RETURNS bool LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM pg_type x LEFT JOIN pg_type e ON e.oid = x.typelem AND x.typcategory = 'A'
                   WHERE x.oid = t AND 'c360'::regnamespace IN (x.typnamespace, e.typnamespace))
$$;

CREATE TABLE sweep.calls (fn regprocedure, kind text, call text, sqlstate text, message text, problem text, ms float8,
                          vals text[], types regtype[]);

-- runs one query (returning text[] of values and nothing else) in a subtransaction that is rolled back and
-- keeps the values of checked types (types: their types, repeating) for pg_temp.read_back
CREATE FUNCTION pg_temp.sweep_call(p_fn regprocedure, p_kind text, q text, types regtype[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    vals text[];
    st text := '00000';
    msg text;
    prob text;
    back text;
    t0 timestamptz := clock_timestamp();
BEGIN
    BEGIN
        EXECUTE q INTO vals;
        RAISE EXCEPTION USING ERRCODE = 'C3601';   -- roll the call back (the queue, snapshots)
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE <> 'C3601' THEN st := SQLSTATE; msg := SQLERRM; END IF;
    END;
    IF left(st, 2) IN ('XX', '58')
       AND NOT EXISTS (SELECT FROM sweep.documented_internal d
                       WHERE coalesce(d.fn, p_fn::text) = p_fn::text AND d.sqlstate = st
                         AND msg LIKE coalesce(d.message_like, '%')) THEN
        prob := format('internal error %s: %s', st, msg);
    END IF;
    INSERT INTO sweep.calls VALUES (p_fn, p_kind, q, st, msg, prob, 1000 * extract(epoch FROM clock_timestamp() - t0),
                                    CASE WHEN st = '00000' AND types <> ARRAY[NULL::regtype] THEN vals END, types);
END $$;

-- regress.sh parallel forces parallel plans: off until the end of the transaction (named by server version)
CREATE FUNCTION pg_temp.unforce_parallel() RETURNS void LANGUAGE sql AS $$
    SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'debug_parallel_query'
                           ELSE 'force_parallel_mode' END, 'off', true)
$$;
-- every value of a checked type that a call returned: out -> in -> out gives the same text. Input functions
-- are pure: no parallel plan forced here (regress.sh parallel would start a worker for each cast); the calls
-- themselves ran with it.
CREATE FUNCTION pg_temp.read_back() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c record;
    t regtype;
    back text;
    prob text;
BEGIN
    PERFORM pg_temp.unforce_parallel();
    FOR c IN SELECT ctid, vals, types FROM sweep.calls WHERE vals IS NOT NULL LOOP
        prob := NULL;
        FOR i IN 1 .. cardinality(c.vals) LOOP
            t := c.types[1 + (i - 1) % cardinality(c.types)];
            CONTINUE WHEN c.vals[i] IS NULL OR t IS NULL;
            BEGIN
                EXECUTE format('SELECT %L::%s::text', c.vals[i], t) INTO back;
                IF back IS DISTINCT FROM c.vals[i] THEN
                    prob := format('%s reads back as %s', left(c.vals[i], 200), left(back, 200));
                END IF;
            EXCEPTION WHEN OTHERS THEN
                prob := format('%s refused by %s input: %s %s', left(c.vals[i], 200), t, SQLSTATE, SQLERRM);
            END;
            EXIT WHEN prob IS NOT NULL;
        END LOOP;
        IF prob IS NOT NULL THEN
            UPDATE sweep.calls SET problem = prob WHERE ctid = c.ctid;
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION pg_temp.sweep() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    f record;
    n int;
    sane text[];
    args text[];
    masks int[];
    b record;
    q text;
    res text;
    types regtype[];
    outs text;
    m int;
BEGIN
    FOR f IN SELECT * FROM sweep.routines WHERE skipped IS NULL ORDER BY sig::text LOOP
        n := coalesce(cardinality(f.argtypes), 0);
        sane := ARRAY[]::text[];
        FOR i IN 1 .. n LOOP
            sane := sane || coalesce(
                (SELECT s.expr FROM sweep.sane s WHERE s.typ = f.argtypes[i] AND s.argname = f.proargnames[i]),
                (SELECT s.expr FROM sweep.sane s WHERE s.typ = f.argtypes[i] AND s.argname IS NULL),
                format('NULL::%s', f.argtypes[i]::regtype));
        END LOOP;
        -- what the query returns: the values of checked types as text[] (types: their types, repeating)
        IF NOT f.proretset THEN
            res := 'ARRAY[(%s)::text]';
            types := ARRAY[CASE WHEN pg_temp.checked_type(f.prorettype) THEN f.prorettype::regtype END];
        ELSIF f.prorettype <> 'record'::regtype THEN
            res := 'coalesce(array_agg(r::text), ''{}'') FROM %s r';
            types := ARRAY[CASE WHEN pg_temp.checked_type(f.prorettype) THEN f.prorettype::regtype END];
        ELSE
            SELECT string_agg(format('r.%I::text', f.proargnames[k]), ', '), array_agg(t::regtype)
              INTO outs, types
            FROM unnest(f.proallargtypes, f.proargmodes) WITH ORDINALITY a(t, mode, k)
            WHERE mode IN ('o', 't', 'b') AND pg_temp.checked_type(t);
            IF outs IS NULL THEN
                res := 'ARRAY[count(*)::text] FROM %s r'; types := ARRAY[NULL::regtype];
            ELSE
                res := 'coalesce(array_agg(u), ''{}'') FROM %s r, unnest(ARRAY[' || outs || ']) u';
            END IF;
        END IF;
        -- the argument lists: all sane; each argument bad (NULL first); NULL patterns
        FOR b IN
            SELECT 'sane' AS kind, sane AS a
            UNION ALL
            SELECT 'arg ' || i || ' ' || x.label, sane[:i - 1] || x.expr || sane[i + 1:]
            FROM generate_series(1, n) i,
                 LATERAL (SELECT 'NULL' AS label, format('NULL::%s', f.argtypes[i]::regtype) AS expr, 0 AS o
                          UNION ALL SELECT bd.label, bd.expr, 1 FROM sweep.bad bd WHERE bd.typ = f.argtypes[i]
                          ORDER BY o, label) x
            UNION ALL
            SELECT 'NULL pattern ' || mask, (SELECT array_agg(CASE WHEN mask & (1 << (i - 1)) <> 0
                                                                  THEN format('NULL::%s', f.argtypes[i]::regtype)
                                                                  ELSE sane[i] END ORDER BY i)
                                            FROM generate_series(1, n) i)
            FROM generate_series(1, (1 << least(n, 6)) - 1) mask
            WHERE (NOT f.proisstrict OR f.prokind = 'a') AND n > 1 AND (mask & (mask - 1)) <> 0 AND n <= 6
            UNION ALL
            SELECT 'NULL pattern ' || x.label, (SELECT array_agg(CASE WHEN i <> x.keep THEN format('NULL::%s', f.argtypes[i]::regtype)
                                                                    ELSE sane[i] END ORDER BY i)
                                               FROM generate_series(1, n) i)
            FROM (SELECT 'all but ' || k AS label, k AS keep FROM generate_series(0, n) k) x
            WHERE (NOT f.proisstrict OR f.prokind = 'a') AND n > 6
        LOOP
            IF f.prokind = 'a' THEN
                -- the bad row alone, then twice after a sane row (two 1e308 amounts overflow a sum)
                q := format('SELECT ' || format(res, '%s(%s)') || ' FROM (VALUES (%s)) v(%s)', f.oid::regproc,
                            (SELECT string_agg('a' || i, ', ') FROM generate_series(1, n) i),
                            (SELECT string_agg(format('(%s)::%s', b.a[i], f.argtypes[i]::regtype), ', ') FROM generate_series(1, n) i),
                            (SELECT string_agg('a' || i, ', ') FROM generate_series(1, n) i));
                PERFORM pg_temp.sweep_call(f.sig, b.kind, q, types);
                CONTINUE WHEN b.kind = 'sane';
                q := replace(q, 'FROM (VALUES (', 'FROM (VALUES (' ||
                             (SELECT string_agg(format('(%s)::%s', sane[i], f.argtypes[i]::regtype), ', ') FROM generate_series(1, n) i)
                             || '), (' || (SELECT string_agg(format('(%s)::%s', b.a[i], f.argtypes[i]::regtype), ', ')
                                           FROM generate_series(1, n) i) || '), (');
                PERFORM pg_temp.sweep_call(f.sig, b.kind || ' twice after a sane row', q, types);
            ELSE
                q := 'SELECT ' || format(res, format('%s(%s)', f.oid::regproc, array_to_string(b.a, ', ')));
                PERFORM pg_temp.sweep_call(f.sig, b.kind, q, types);
            END IF;
        END LOOP;
        IF f.prokind = 'a' THEN
            q := format('SELECT ' || format(res, '%s(%s)') || ' FROM (VALUES (%s)) v(%s) WHERE false', f.oid::regproc,
                        (SELECT string_agg('a' || i, ', ') FROM generate_series(1, n) i),
                        (SELECT string_agg(format('(%s)::%s', sane[i], f.argtypes[i]::regtype), ', ') FROM generate_series(1, n) i),
                        (SELECT string_agg('a' || i, ', ') FROM generate_series(1, n) i));
            PERFORM pg_temp.sweep_call(f.sig, 'no row', q, types);
        END IF;
    END LOOP;
END $$;

-- corrupted text of every state and model type (base types of schema c360), through its input function;
-- a text that is accepted must then read back (out -> in -> out)
CREATE FUNCTION pg_temp.sweep_text() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t record;
    v text;
    c record;
    nnum int;
BEGIN
    -- input functions are pure: no parallel plan forced here (see pg_temp.read_back)
    PERFORM pg_temp.unforce_parallel();
    FOR t IN SELECT ty.oid::regtype AS typ, ty.typinput::regprocedure AS fn
             FROM pg_type ty WHERE ty.typnamespace = 'c360'::regnamespace AND ty.typtype = 'b' AND ty.typelem = 0
             ORDER BY ty.typname LOOP
        EXECUTE format('SELECT (%s)::text', (SELECT s.expr FROM sweep.sane s WHERE s.typ = t.typ AND s.argname IS NULL)) INTO v;
        nnum := least(12, (SELECT count(*) FROM regexp_matches(v, '[-+0-9.eE]+|nan|inf', 'g')));
        FOR c IN
            SELECT x.label, x.txt FROM (VALUES ('empty', ''), ('truncated', left(v, -1)), ('half', left(v, length(v) / 2)),
                                               ('first char', left(v, 1)), ('trailing junk', v || 'x'), ('trailing space', v || ' '),
                                               ('trailing number', v || '1'), ('doubled', v || v), ('garbage', 'garbage'),
                                               ('nan', 'nan'), ('inf', 'inf'), ('1e308', '1e308'), ('parentheses', '()'),
                                               ('1000 digits', repeat('9', 1000))) x(label, txt)
            UNION ALL
            SELECT format('bit %s of char %s', bit, pos), overlay(v PLACING chr(ascii(substr(v, pos, 1)) # bit) FROM pos FOR 1)
            FROM generate_series(1, length(v), greatest(1, length(v) / 40)) pos, unnest(ARRAY[1, 4, 32]) bit
            WHERE ascii(substr(v, pos, 1)) # bit BETWEEN 32 AND 126
            UNION ALL
            SELECT format('number %s -> %s', k, r), regexp_replace(v, '[-+0-9.eE]+|nan|inf', r, 1, k)
            FROM generate_series(1, nnum) k,
                 unnest(ARRAY['1e308', '1e309', '-1e308', '9223372036854775808', '-9223372036854775809', '-1', '0',
                              'nan', 'inf', '-inf', '-nan', '4.9e-324', '1.5', '']) r
        LOOP
            PERFORM pg_temp.sweep_call(t.fn, 'text ' || c.label,
                                       format('SELECT ARRAY[%L::%s::text]', c.txt, t.typ), ARRAY[t.typ]);
        END LOOP;
    END LOOP;
END $$;

\timing off
SELECT clock_timestamp() AS sweep_started \gset
SELECT pg_temp.sweep();
SELECT pg_temp.sweep_text();
SELECT pg_temp.read_back();

-- the figures (NOTICEs: scripts/sweep-report.sh)
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT 'functions called' AS what, count(DISTINCT fn)::text AS n FROM sweep.calls c
         WHERE (SELECT prokind FROM pg_proc WHERE oid = c.fn) = 'f' AND kind NOT LIKE 'text %'
        UNION ALL SELECT 'aggregates called', count(DISTINCT fn)::text FROM sweep.calls c WHERE (SELECT prokind FROM pg_proc WHERE oid = c.fn) = 'a'
        UNION ALL SELECT 'input functions fed corrupted text', count(DISTINCT fn)::text FROM sweep.calls WHERE kind LIKE 'text %'
        UNION ALL SELECT 'routines skipped', count(*)::text FROM sweep.routines WHERE skipped IS NOT NULL
        UNION ALL SELECT 'calls', count(*)::text FROM sweep.calls
        UNION ALL SELECT 'calls returning a value', count(*)::text FROM sweep.calls WHERE sqlstate = '00000'
        UNION ALL SELECT 'sane calls that succeed', count(*)::text FROM sweep.calls WHERE kind = 'sane' AND sqlstate = '00000'
        UNION ALL SELECT 'SQLSTATE histogram', string_agg(s || ' ' || k, ', ' ORDER BY k DESC, s)
                  FROM (SELECT sqlstate AS s, count(*) AS k FROM sweep.calls GROUP BY 1) h
        UNION ALL SELECT 'slowest calls (ms)', string_agg(round(ms)::text || ' ' || fn::text, ', ' ORDER BY ms DESC)
                  FROM (SELECT * FROM sweep.calls ORDER BY ms DESC LIMIT 5) s
        UNION ALL SELECT 'failures', count(*)::text FROM sweep.calls WHERE problem IS NOT NULL
        UNION ALL SELECT 'skipped: ' || skipped, string_agg(sig::text, ', ' ORDER BY sig::text)
                  FROM sweep.routines WHERE skipped IS NOT NULL GROUP BY skipped
    LOOP
        RAISE NOTICE 'sweep: %: %', r.what, r.n;
    END LOOP;
END $$;
\if :{?sweep_report}
SELECT round(extract(epoch FROM clock_timestamp() - :'sweep_started'::timestamptz)::numeric, 1) AS sweep_seconds \gset
\echo sweep seconds: :sweep_seconds
\endif

-- the failures: expected none
SELECT fn, kind, left(call, 300) AS call, problem FROM sweep.calls WHERE problem IS NOT NULL ORDER BY fn::text, kind;

-- coverage, stable as functions are added
SELECT count(DISTINCT fn) FILTER (WHERE p.prokind = 'f' AND kind NOT LIKE 'text %') >= 150 AS functions_covered_ge_150,
       count(DISTINCT fn) FILTER (WHERE p.prokind = 'a') >= 30 AS aggregates_covered_ge_30,
       count(DISTINCT fn) FILTER (WHERE kind LIKE 'text %') >= 12 AS input_functions_covered_ge_12,
       count(*) >= 5000 AS calls_ge_5000,
       count(*) FILTER (WHERE kind = 'sane' AND sqlstate = '00000') >= 150 AS sane_calls_succeeding_ge_150
FROM sweep.calls c JOIN pg_proc p ON p.oid = c.fn;
-- every routine not skipped was called; every state and model type's input function was fed corrupted text
SELECT sig AS not_called FROM sweep.routines r
WHERE skipped IS NULL AND NOT EXISTS (SELECT FROM sweep.calls c WHERE c.fn = r.oid);
SELECT t.typname AS input_not_swept FROM pg_type t
WHERE t.typnamespace = 'c360'::regnamespace AND t.typtype = 'b' AND t.typelem = 0
  AND NOT EXISTS (SELECT FROM sweep.calls c WHERE c.fn = t.typinput AND c.kind LIKE 'text %');
-- skipped, by rule (the names are in the NOTICEs): trigger functions, type input/receive functions
SELECT skipped, count(*) >= 2 AS at_least_2 FROM sweep.routines WHERE skipped IS NOT NULL GROUP BY skipped ORDER BY skipped;

RESET statement_timeout;
DROP SCHEMA sweep CASCADE;
