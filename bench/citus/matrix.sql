-- bench/citus/matrix.sql: every aggregate of customer360 (36 calls) on a Citus cluster, against the same rows in a
-- plain table: (distributed, GROUP BY the distribution column), (distributed, GROUP BY another column),
-- (distributed, no GROUP BY). For each: how Citus planned it (pushed down whole to the shards, split into
-- worker_partial_agg + coord_combine_agg, or rows pulled to the coordinator) and whether the answer equals
-- the local one (exactly, or to a relative 1e-12 where floating sums run in another order).
-- Run on the coordinator of an existing cluster with customer360 installed on every node (docs/distributed.md):
--     psql -X -v ON_ERROR_STOP=1 -f bench/citus/matrix.sql
\set QUIET on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS c360_matrix CASCADE;
CREATE SCHEMA c360_matrix;
SET search_path = c360_matrix, public;
SET extra_float_digits = 3;
SET TimeZone = 'UTC';

-- 2,000 customers x 20 rows; a customer's rows share customer_id (the distribution column); grp is another column
CREATE TABLE rows_local AS
SELECT i AS row_id, 1 + (i * 7919) % 2000 AS customer_id, (i * 31) % 7 AS grp,
       timestamptz '2024-01-01' + ((i * 104729) % 500) * interval '1 day' + ((i * 13) % 86400) * interval '1 second' AS ts,
       (i * 48271 % 1000) / 1000.0 AS u, (i * 16807 % 997) / 997.0 AS v, (i * 69623 % 1009) < 400 AS y, i % 3 = 0 AS t,
       (ARRAY['martin','bernard','vasseur','petit','durand','moreau'])[1 + i % 6] AS name, 's' || (i % 4) AS seg_from, 's' || (i * 7 % 5) AS seg_to
FROM generate_series(1::bigint, 40000) i;
-- one summary per customer for the BTYD fits (x repeat days, t_x, T in weeks, continuous)
CREATE TABLE cust_local AS
SELECT customer_id, min(grp) AS grp, count(*) - 1 AS x,
       CASE WHEN count(*) = 1 THEN 0 ELSE extract(epoch FROM max(ts) - min(ts)) / 604800 END AS t_x,
       extract(epoch FROM timestamptz '2025-06-01' - min(ts)) / 604800 AS "T", avg(u * 100 + 5) AS mean_value
FROM rows_local GROUP BY customer_id;
CREATE TABLE rows_dist AS SELECT * FROM rows_local;
CREATE TABLE cust_dist AS SELECT * FROM cust_local;
SELECT create_distributed_table('rows_dist', 'customer_id');
SELECT create_distributed_table('cust_dist', 'customer_id', colocate_with => 'rows_dist');

-- aggregate signature, the table it reads (r: rows, c: customers) and its call
CREATE TABLE calls (agg text, tbl text, call text);
INSERT INTO calls VALUES
('rfm(timestamptz,float8,timestamptz)', 'r', $$c360.rfm(ts, u * 100, timestamptz '2025-06-01')$$),
('rfm(date,float8,date)', 'r', $$c360.rfm(ts::date, u * 100, date '2025-06-01')$$),
('rfm_rollup(rfm_partial(...))', 'r', $$c360.rfm_final(c360.rfm_rollup(p))$$),
('rfm_breaks(float8,float8,float8,int4)', 'r', $$c360.rfm_breaks(u * 300, 1 + (row_id % 9), v * 500, 5)$$),
('rfm_breaks(float8,float8,float8)', 'r', $$c360.rfm_breaks(u * 300, 1 + (row_id % 9), v * 500)$$),
('fs_patterns(int4[],int4[])', 'r', $$c360.fs_patterns(ARRAY[(row_id % 3)::int, (row_id / 3 % 3 - 1)::int, (row_id % 2)::int], '{3,3,2}')$$),
('term_frequencies(text)', 'r', $$c360.term_frequencies(name)$$),
('survivor(text,float8,timestamptz)', 'r', $$c360.survivor(name, (row_id % 4)::float8, ts)$$),
('most_recent(text,timestamptz)', 'r', $$c360.most_recent(name, ts)$$),
('most_complete(text)', 'r', $$c360.most_complete(repeat('x', (row_id % 9)::int) || name)$$),
('most_frequent(text)', 'r', $$c360.most_frequent(name)$$),
('purchase_slowdown(timestamptz,timestamptz,int4)', 'r', $$c360.purchase_slowdown(ts, timestamptz '2025-06-01', 90)$$),
('basket_shift(float8,float8)', 'r', $$c360.basket_shift((row_id % 5)::float8, (row_id % 3)::float8)$$),
('segment_transitions(text,text)', 'r', $$c360.segment_transitions(seg_from, seg_to)$$),
('logit_fit(bool,float8[])', 'r', $$c360.logit_fit(y, ARRAY[u, v]::float8[])$$),
('logit_fit(bool,float8[],logit_options)', 'r', $$c360.logit_fit(y, ARRAY[u, v]::float8[], c360.logit_options(l2 => 0.5))$$),
('logit_step(bool,float8[],logit_model)', 'r', $$c360.logit_step(y, ARRAY[u, v]::float8[], c360.logit_start())$$),
('auc(float8,bool)', 'r', $$c360.auc(u, y)$$),
('gains(float8,bool,int4)', 'r', $$c360.gains(u, y, 5)$$),
('log_loss(float8,bool)', 'r', $$c360.log_loss(0.05 + 0.9 * u, y)$$),
('brier(float8,bool)', 'r', $$c360.brier(u, y)$$),
('calibration(float8,bool,int4)', 'r', $$c360.calibration(u, y, 4)$$),
('lift_binary(bool,bool)', 'r', $$c360.lift_binary(t, y)$$),
('lift_binary(bool,bool,float8)', 'r', $$c360.lift_binary(t, y, 0.9)$$),
('lift_mean(bool,float8)', 'r', $$c360.lift_mean(t, u * 50)$$),
('lift_mean(bool,float8,float8)', 'r', $$c360.lift_mean(t, u * 50, 0.9)$$),
('lift_cuped(bool,float8,float8)', 'r', $$c360.lift_cuped(t, u * 50 + v * 10, u * 40)$$),
('lift_cuped(bool,float8,float8,float8)', 'r', $$c360.lift_cuped(t, u * 50 + v * 10, u * 40, 0.9)$$),
('qini_auc(float8,bool,bool)', 'r', $$c360.qini_auc(u, t, y)$$),
('uplift_auc(float8,bool,bool)', 'r', $$c360.uplift_auc(u, t, y)$$),
('uplift_at_k(float8,bool,bool,float8)', 'r', $$c360.uplift_at_k(u, t, y, 0.3)$$),
('uplift_by_percentile(float8,bool,bool,int4)', 'r', $$c360.uplift_by_percentile(u, t, y, 5)$$),
('uplift_curve(float8,bool,bool,int4)', 'r', $$c360.uplift_curve(u, t, y, 6)$$),
('bgnbd_fit(float8,float8,float8)', 'c', $$c360.bgnbd_fit(x, t_x, "T")$$),
('pareto_nbd_fit(float8,float8,float8)', 'c', $$c360.pareto_nbd_fit(x, t_x, "T")$$),
('gamma_gamma_fit(float8,float8)', 'c', $$c360.gamma_gamma_fit(x, mean_value)$$),
('clv_step(float8,float8,float8,float8,clv_search)', 'c', $$c360.clv_step(x, t_x, "T", 1, c360.clv_start('pareto_nbd'))$$),
('clv_step(float8,float8,float8,clv_search)', 'c', $$c360.clv_step(x, mean_value, 1, c360.clv_start('gamma_gamma'))$$);

CREATE FUNCTION numbers(t text) RETURNS float8[] LANGUAGE sql AS
$$SELECT ARRAY(SELECT m[1]::float8 FROM regexp_matches(t, '-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?', 'g') AS m)$$;
-- equal, or the largest difference between the numbers of the two answers (relative to the larger
-- of the two and 1: relative above 1, absolute below), or different in shape
CREATE FUNCTION compare(a text, b text) RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN a IS NOT DISTINCT FROM b THEN 'equal'
            WHEN a LIKE 'ERROR%' OR b LIKE 'ERROR%' OR cardinality(numbers(a)) <> cardinality(numbers(b))
                 OR regexp_replace(a, '-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?', '#', 'g') <> regexp_replace(b, '-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?', '#', 'g')
                 THEN 'DIFFERENT'
            ELSE 'floating order: max difference ' ||
                 (SELECT to_char(max(abs(x - y) / greatest(abs(x), abs(y), 1)), '9.9EEEE') FROM unnest(numbers(a), numbers(b)) u (x, y) WHERE x <> y)
            END $$;

CREATE TABLE matrix (agg text, mode text, plan text, result text, seconds_local float8, seconds_dist float8);
DO $$
DECLARE
    c record;
    m text;
    q text;
    q_local text;
    q_dist text;
    plan_text text;
    line text;
    r_local text;
    r_dist text;
    t0 timestamptz;
    s_local float8;
    s_dist float8;
    kind text;
BEGIN
    FOR c IN SELECT * FROM calls LOOP
        FOREACH m IN ARRAY ARRAY['GROUP BY customer_id', 'GROUP BY grp', 'no GROUP BY'] LOOP
            IF c.agg LIKE 'rfm_rollup%' THEN   -- a rollup of per-customer partial states
                q := format('SELECT %s AS v FROM (SELECT customer_id, grp, c360.rfm_partial(ts, u * 100, timestamptz ''2025-06-01'') AS p FROM %%s GROUP BY customer_id, grp) s', replace(c.call, '%', '%%'));
            ELSE
                q := format('SELECT %s AS v FROM %%s', replace(c.call, '%', '%%'));
            END IF;
            q := CASE m WHEN 'GROUP BY customer_id' THEN 'SELECT string_agg(v::text, '' | '' ORDER BY k) FROM (' || replace(q, 'AS v FROM', 'AS v, customer_id AS k FROM') || ' GROUP BY customer_id) z'
                        WHEN 'GROUP BY grp' THEN 'SELECT string_agg(v::text, '' | '' ORDER BY k) FROM (' || replace(q, 'AS v FROM', 'AS v, grp AS k FROM') || ' GROUP BY grp) z'
                        ELSE 'SELECT v::text FROM (' || q || ') z' END;
            q_local := format(q, CASE c.tbl WHEN 'r' THEN 'c360_matrix.rows_local' ELSE 'c360_matrix.cust_local' END);
            q_dist := format(q, CASE c.tbl WHEN 'r' THEN 'c360_matrix.rows_dist' ELSE 'c360_matrix.cust_dist' END);
            BEGIN
                t0 := clock_timestamp();
                EXECUTE q_local INTO r_local;
                s_local := extract(epoch FROM clock_timestamp() - t0);
            EXCEPTION WHEN OTHERS THEN
                r_local := 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
            END;
            plan_text := '';
            BEGIN
                FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q_dist LOOP
                    plan_text := plan_text || line || E'\n';
                END LOOP;
                t0 := clock_timestamp();
                EXECUTE q_dist INTO r_dist;
                s_dist := extract(epoch FROM clock_timestamp() - t0);
                kind := CASE WHEN plan_text LIKE '%worker_partial_agg%' THEN 'split: worker_partial_agg + coord_combine_agg'
                             WHEN plan_text ~ ('Query: SELECT[^\n]*' || split_part(split_part(c.call, '(', 1), '.', 2) || '\(') THEN 'pushed down whole'
                             WHEN plan_text LIKE '%Task Count%' THEN 'rows pulled to the coordinator'
                             ELSE 'local plan' END;
                INSERT INTO matrix VALUES (c.agg, m, kind, compare(r_local, r_dist), s_local, s_dist);
            EXCEPTION WHEN OTHERS THEN
                INSERT INTO matrix VALUES (c.agg, m, 'ERROR ' || SQLSTATE, left(SQLERRM, 120), s_local, NULL);
            END;
        END LOOP;
    END LOOP;
END $$;
\set QUIET off
\pset pager off
SELECT current_setting('server_version') AS postgres, (SELECT extversion FROM pg_extension WHERE extname = 'citus') AS citus,
       (SELECT extversion FROM pg_extension WHERE extname = 'customer360') AS customer360,
       (SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0) AS workers,
       (SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'c360_matrix.rows_dist'::regclass) AS shards;
SELECT agg, mode, plan, result FROM matrix ORDER BY agg, mode;
SELECT mode, plan, result, count(*) FROM matrix GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
