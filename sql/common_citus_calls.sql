--
-- Citus emulated: every aggregate of the extension computed as Citus computes a split aggregate, its
-- transition, combine and final functions called without a call expression (fn_expr NULL, as Citus's
-- worker_partial_agg and coord_combine_agg call them), the partial states travelling as text and in
-- binary (send / receive); against the same steps called from SQL (with an expression) and against the
-- aggregate itself.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
CREATE SCHEMA citus_calls;
SET search_path = citus_calls, public;

-- sample rows, one argument list (as text) per row, for every aggregate signature
CREATE TABLE samples (agg regprocedure, n int, args text[]);
CREATE TABLE g AS SELECT i, (timestamptz '2024-01-01' + (i * 7919 % 150) * interval '1 day') AS ts,
       (i * 48271 % 1000) / 1000.0 AS u, (i * 16807 % 997) / 997.0 AS v, i % 3 = 0 AS t, (i * 69621 % 10) < 4 AS y
FROM generate_series(1, 60) i;
INSERT INTO samples
SELECT 'c360.rfm(timestamptz,float8,timestamptz)'::regprocedure, i, ARRAY[ts::text, (10 + i % 7)::text, '2024-06-01 00:00+00'] FROM g
UNION ALL SELECT 'c360.rfm(date,float8,date)', i, ARRAY[ts::date::text, (10 + i % 7)::text, '2024-06-01'] FROM g
UNION ALL SELECT 'c360.rfm_partial(timestamptz,float8,timestamptz)', i, ARRAY[ts::text, (u * 100)::text, '2024-06-01 00:00+00'] FROM g
UNION ALL SELECT 'c360.rfm_partial(date,float8,date)', i, ARRAY[ts::date::text, (u * 100)::text, '2024-06-01'] FROM g
UNION ALL SELECT 'c360.rfm_rollup(c360.rfm_state)', k, ARRAY[c360.rfm_partial(ts, u * 100, '2024-06-01')::text] FROM (SELECT i % 6 AS k, * FROM g) s GROUP BY k
UNION ALL SELECT 'c360.rfm_breaks(float8,float8,float8,int4)', i, ARRAY[(u * 300)::text, (1 + i % 9)::text, (v * 500)::text, '5'] FROM g
UNION ALL SELECT 'c360.rfm_breaks(float8,float8,float8)', i, ARRAY[(u * 300)::text, (1 + i % 9)::text, (v * 500)::text] FROM g
UNION ALL SELECT 'c360.fs_patterns(int4[],int4[])', i, ARRAY[format('{%s,%s,%s}', i % 3, i / 3 % 3 - 1, i % 2), '{3,3,2}'] FROM g
UNION ALL SELECT 'c360.term_frequencies(text)', i, ARRAY[(ARRAY['martin','bernard','vasseur','martin','petit'])[1 + i % 5]] FROM g
UNION ALL SELECT 'c360.survivor(text,float8,timestamptz)', i, ARRAY['value ' || i % 7, (i % 4)::text, ts::text] FROM g
UNION ALL SELECT 'c360.most_recent(text,timestamptz)', i, ARRAY['value ' || i % 7, ts::text] FROM g
UNION ALL SELECT 'c360.most_complete(text)', i, ARRAY[repeat('x', i % 9)] FROM g
UNION ALL SELECT 'c360.most_frequent(text)', i, ARRAY['v' || i % 4] FROM g
UNION ALL SELECT 'c360.purchase_slowdown(timestamptz,timestamptz,int4)', i, ARRAY[ts::text, '2024-06-01 00:00+00', '30'] FROM g
UNION ALL SELECT 'c360.basket_shift(float8,float8)', i, ARRAY[(i % 5)::text, (i % 3)::text] FROM g
UNION ALL SELECT 'c360.segment_transitions(text,text)', i, ARRAY['s' || i % 3, 's' || i % 4] FROM g
UNION ALL SELECT 'c360.logit_fit(bool,float8[])', i, ARRAY[y::text, format('{%s,%s}', u, v)] FROM g
UNION ALL SELECT 'c360.logit_fit(bool,float8[],c360.logit_options)', i, ARRAY[y::text, format('{%s,%s}', u, v), c360.logit_options(l2 => 0.5)::text] FROM g
UNION ALL SELECT 'c360.logit_step(bool,float8[],c360.logit_model)', i,
                 ARRAY[y::text, format('{%s,%s}', u, v), c360.logit_start()::text] FROM g
UNION ALL SELECT 'c360.logit_stats_rollup(c360.logit_stats)', k,
                 ARRAY[c360.logit_step(y, ARRAY[u, v]::float8[], c360.logit_start())::text]
          FROM (SELECT i % 5 AS k, * FROM g) s GROUP BY k
UNION ALL SELECT 'c360.auc(float8,bool)', i, ARRAY[u::text, y::text] FROM g
UNION ALL SELECT 'c360.gains(float8,bool,int4)', i, ARRAY[u::text, y::text, '5'] FROM g
UNION ALL SELECT 'c360.log_loss(float8,bool)', i, ARRAY[(0.05 + 0.9 * u)::text, y::text] FROM g
UNION ALL SELECT 'c360.brier(float8,bool)', i, ARRAY[u::text, y::text] FROM g
UNION ALL SELECT 'c360.calibration(float8,bool,int4)', i, ARRAY[u::text, y::text, '4'] FROM g
UNION ALL SELECT 'c360.lift_binary(bool,bool)', i, ARRAY[t::text, y::text] FROM g
UNION ALL SELECT 'c360.lift_binary(bool,bool,float8)', i, ARRAY[t::text, y::text, '0.9'] FROM g
UNION ALL SELECT 'c360.lift_mean(bool,float8)', i, ARRAY[t::text, (u * 50)::text] FROM g
UNION ALL SELECT 'c360.lift_mean(bool,float8,float8)', i, ARRAY[t::text, (u * 50)::text, '0.9'] FROM g
UNION ALL SELECT 'c360.lift_cuped(bool,float8,float8)', i, ARRAY[t::text, (u * 50 + v * 10)::text, (u * 40)::text] FROM g
UNION ALL SELECT 'c360.lift_cuped(bool,float8,float8,float8)', i, ARRAY[t::text, (u * 50 + v * 10)::text, (u * 40)::text, '0.9'] FROM g
UNION ALL SELECT 'c360.qini_auc(float8,bool,bool)', i, ARRAY[u::text, t::text, y::text] FROM g
UNION ALL SELECT 'c360.uplift_auc(float8,bool,bool)', i, ARRAY[u::text, t::text, y::text] FROM g
UNION ALL SELECT 'c360.uplift_at_k(float8,bool,bool,float8)', i, ARRAY[u::text, t::text, y::text, '0.3'] FROM g
UNION ALL SELECT 'c360.uplift_by_percentile(float8,bool,bool,int4)', i, ARRAY[u::text, t::text, y::text, '5'] FROM g
UNION ALL SELECT 'c360.uplift_curve(float8,bool,bool,int4)', i, ARRAY[u::text, t::text, y::text, '6'] FROM g
UNION ALL SELECT 'c360.bgnbd_fit(float8,float8,float8)', i, ARRAY[(i % 4)::text, CASE WHEN i % 4 = 0 THEN '0' ELSE (10 * u)::text END, (10 + 20 * v)::text] FROM g
UNION ALL SELECT 'c360.pareto_nbd_fit(float8,float8,float8)', i, ARRAY[(i % 4)::text, CASE WHEN i % 4 = 0 THEN '0' ELSE (10 * u)::text END, (10 + 20 * v)::text] FROM g
UNION ALL SELECT 'c360.gamma_gamma_fit(float8,float8)', i, ARRAY[(1 + i % 4)::text, (5 + 30 * u)::text] FROM g
UNION ALL SELECT 'c360.clv_step(float8,float8,float8,float8,c360.clv_search)', i,
                 ARRAY[(i % 4)::text, CASE WHEN i % 4 = 0 THEN '0' ELSE (10 * u)::text END, (10 + 20 * v)::text, (1 + i % 2)::text,
                       c360.clv_start('pareto_nbd')::text] FROM g
UNION ALL SELECT 'c360.clv_step(float8,float8,float8,c360.clv_search)', i,
                 ARRAY[(1 + i % 4)::text, (5 + 30 * u)::text, '1', c360.clv_start('gamma_gamma')::text] FROM g;

-- one call of fn on text arguments: without an expression, or from SQL (with one)
CREATE FUNCTION pg_temp.call(fn regprocedure, args text[], with_expression bool) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    q text;
    r text;
BEGIN
    IF NOT with_expression THEN
        RETURN c360._call_without_expression(fn, args);
    END IF;
    SELECT format('SELECT %s(%s)::text', p.oid::regproc,
                  string_agg(format('%L::%s', args[k], format_type(p.proargtypes[k - 1], NULL)), ', ' ORDER BY k))
    INTO q FROM pg_proc p, generate_subscripts(args, 1) k WHERE p.oid = fn GROUP BY p.oid;
    EXECUTE q INTO r;
    RETURN r;
END $$;
-- a value through binary COPY (its type's send and receive functions) and back to text
CREATE FUNCTION pg_temp.binary_round_trip(typ regtype, v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    path text := '/tmp/c360_citus_calls_' || pg_backend_pid() || '.bin';
    r text;
BEGIN
    EXECUTE format('CREATE TEMP TABLE round_trip (v %s)', typ);
    EXECUTE format('INSERT INTO round_trip SELECT %L::%s', v, typ);
    EXECUTE format('COPY round_trip TO %L (FORMAT binary)', path);
    TRUNCATE round_trip;
    EXECUTE format('COPY round_trip FROM %L (FORMAT binary)', path);
    SELECT round_trip.v::text INTO r FROM round_trip;
    DROP TABLE round_trip;
    RETURN r;
END $$;
-- the aggregate as Citus splits it: rows in two "shards", each a partial state sent as text, combined
-- on the "coordinator", then the final function
CREATE FUNCTION pg_temp.split(agg regprocedure, with_expression bool) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a pg_aggregate;
    strict_trans bool;
    strict_combine bool;
    s text[] := ARRAY[NULL, NULL];
    half int;
    r record;
    k int;
    st text;
BEGIN
    SELECT * INTO a FROM pg_aggregate WHERE aggfnoid = agg;
    SELECT proisstrict INTO strict_trans FROM pg_proc WHERE oid = a.aggtransfn;
    SELECT proisstrict INTO strict_combine FROM pg_proc WHERE oid = a.aggcombinefn;
    s := ARRAY[a.agginitval, a.agginitval];
    SELECT count(*) / 2 INTO half FROM samples WHERE samples.agg = split.agg;
    FOR r IN SELECT n, args FROM samples WHERE samples.agg = split.agg ORDER BY n LOOP
        k := CASE WHEN r.n <= half THEN 1 ELSE 2 END;
        IF strict_trans AND s[k] IS NULL THEN
            s[k] := r.args[1];   -- a strict transition function without initial state starts from the first value
        ELSE
            s[k] := pg_temp.call(a.aggtransfn::regprocedure, array_prepend(s[k], r.args), with_expression);
        END IF;
    END LOOP;
    IF NOT with_expression THEN   -- the partial states also travel in binary (Citus's binary protocol)
        s := ARRAY[pg_temp.binary_round_trip(a.aggtranstype, s[1]), pg_temp.binary_round_trip(a.aggtranstype, s[2])];
    END IF;
    IF strict_combine AND (s[1] IS NULL OR s[2] IS NULL) THEN
        st := coalesce(s[1], s[2]);
    ELSE
        st := pg_temp.call(a.aggcombinefn::regprocedure, s, with_expression);
    END IF;
    IF a.aggfinalfn <> 0 THEN
        st := pg_temp.call(a.aggfinalfn::regprocedure, ARRAY[st], with_expression);
    END IF;
    RETURN st;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
END $$;
-- the aggregate itself over the same rows, in one state (no split)
CREATE FUNCTION pg_temp.whole(agg regprocedure) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    q text;
    r text;
BEGIN
    SELECT format('SELECT %s(%s)::text FROM citus_calls.samples WHERE agg = %L', p.oid::regproc,
                  string_agg(format('args[%s]::%s', k, format_type(p.proargtypes[k - 1], NULL)), ', ' ORDER BY k), agg::oid)
    INTO q FROM pg_proc p, generate_series(1, p.pronargs) k WHERE p.oid = agg GROUP BY p.oid;
    EXECUTE q INTO r;
    RETURN r;
END $$;

-- every aggregate of the extension has samples
SELECT p.oid::regprocedure AS aggregate_without_samples FROM pg_proc p
WHERE p.prokind = 'a' AND p.pronamespace = 'c360'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.agg = p.oid);

CREATE TABLE results AS
SELECT agg, pg_temp.split(agg, false) AS without_expression, pg_temp.split(agg, true) AS with_expression,
       pg_temp.whole(agg) AS whole
FROM (SELECT DISTINCT agg FROM samples) s;
-- the same answer with and without an expression, never NULL
SELECT agg, without_expression IS NOT NULL AS has_result, without_expression = with_expression AS same_without_expression
FROM results WHERE without_expression NOT LIKE 'ERROR%' ORDER BY agg::text;
-- transition functions that update their state in place run only inside an aggregate: Citus calls them
-- from its own aggregate (worker_partial_agg passes its aggregate context on), this emulation cannot
SELECT agg, without_expression AS refused_outside_an_aggregate, with_expression = without_expression AS same_with_expression
FROM results WHERE without_expression LIKE 'ERROR%' ORDER BY agg::text;
-- against the unsplit aggregate: equal, except where the partial states sum floating-point values in
-- another order (listed, with their largest relative difference)
CREATE FUNCTION pg_temp.numbers(t text) RETURNS float8[] LANGUAGE sql AS
$$SELECT ARRAY(SELECT m[1]::float8 FROM regexp_matches(t, '-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?', 'g') AS m)$$;
SELECT agg, cardinality(pg_temp.numbers(without_expression)) = cardinality(pg_temp.numbers(whole)) AS same_fields,
       (SELECT max(abs(x - y) / greatest(abs(x), abs(y))) FROM unnest(pg_temp.numbers(without_expression), pg_temp.numbers(whole)) AS u (x, y)
        WHERE x <> y) < 1e-12 AS relative_difference_below_1e_12
FROM results WHERE without_expression <> whole AND without_expression NOT LIKE 'ERROR%' ORDER BY agg::text;

-- the caller itself: only c360 functions the role may execute, arguments checked
SELECT pg_temp.sqlstate_of($$SELECT c360._call_without_expression('pg_catalog.int4pl(int4,int4)', '{1,2}')$$) AS outside_c360,
       pg_temp.sqlstate_of($$SELECT c360._call_without_expression('c360.version()', '{1}')$$) AS wrong_count,
       pg_temp.sqlstate_of($$SELECT c360._call_without_expression(NULL, '{}')$$) AS null_fn,
       pg_temp.sqlstate_of($$SELECT c360._call_without_expression('c360.version()', NULL)$$) AS null_args,
       pg_temp.sqlstate_of($$SELECT c360._call_without_expression('c360.levenshtein(text,text)', '{{a,b},{c,d}}')$$) AS two_dimensional,
       pg_temp.sqlstate_of($$SELECT c360._call_without_expression('c360.rfm_state_recv(internal)', '{x}')$$) AS internal_argument,
       c360._call_without_expression('c360.levenshtein(text,text)', '{kitten,NULL}') IS NULL AS strict_null_element,
       c360._call_without_expression('c360.levenshtein(text,text)', '{kitten,sitting}') AS levenshtein,
       c360._call_without_expression('c360.version()', '{}') = c360.version() AS version;
DROP SCHEMA citus_calls CASCADE;
